export const ACTIVE_MODE = 'active';
/** The only mode that stops the AI. */
export const HALTED_MODE = 'halted';
