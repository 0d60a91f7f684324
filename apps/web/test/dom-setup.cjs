// What Mantine expects from a browser and jsdom does not provide.
if (typeof window !== 'undefined') {
  window.matchMedia =
    window.matchMedia ||
    ((query) => ({
      matches: false,
      media: query,
      onchange: null,
      addListener: () => undefined,
      removeListener: () => undefined,
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
      dispatchEvent: () => false,
    }));
  window.ResizeObserver =
    window.ResizeObserver ||
    class {
      observe() {}
      unobserve() {}
      disconnect() {}
    };
  window.HTMLElement.prototype.scrollIntoView = function scrollIntoView() {};
}
// react-router reads these at import; jsdom lacks them.
const util = require('node:util');
globalThis.TextEncoder = globalThis.TextEncoder || util.TextEncoder;
globalThis.TextDecoder = globalThis.TextDecoder || util.TextDecoder;
