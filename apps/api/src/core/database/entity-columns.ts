import { EntityMetadata } from 'typeorm';

/**
 * A select or RETURNING list that names every column after its entity property, so the rows
 * of a raw upsert become entities through `repository.create(row)`.
 */
export function entityColumns(metadata: EntityMetadata): string {
  return metadata.columns
    .map((column) => `${column.databaseName} AS "${column.propertyName}"`)
    .join(', ');
}
