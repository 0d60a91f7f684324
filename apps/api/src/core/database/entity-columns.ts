import { EntityMetadata } from 'typeorm';

/**
 * A select or RETURNING list that names every column after its entity property, so the rows
 * of a raw upsert become entities through `repository.create(row)`. `table` qualifies each
 * column, for a SELECT over several tables.
 */
export function entityColumns(metadata: EntityMetadata, table?: string): string {
  const prefix = table ? `${table}.` : '';
  return metadata.columns
    .map((column) => `${prefix}${column.databaseName} AS "${column.propertyName}"`)
    .join(', ');
}
