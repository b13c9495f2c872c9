/**
 * Every venue kind, pure half (schema, cache key, task queue, clock, run checks). Workflow-safe: no I/O here
 * or in what it imports. Their runtime halves are listed in registry.ts.
 * A spec is of the first kind that matches it.
 */
import { paperVenue } from './paper/venue';
import { ccxtVenue } from './ccxt/venue';
import { paperLiveVenue } from './paper-live/venue';
import type { z } from 'zod';
import type { VenueKind } from './venue-kind';

export const VENUE_KINDS = [paperVenue, ccxtVenue, paperLiveVenue] as const;

type Schema = (typeof VENUE_KINDS)[number]['schema'];

/** The distinct spec schemas, for the run input's `venue` union (kinds may share one). */
export const VENUE_SCHEMAS = [...new Set(VENUE_KINDS.map((k) => k.schema))] as unknown as readonly [
  Schema,
  ...Schema[],
];

/** Any parsed venue spec (domain/run/input.ts names it VenueSpec). */
export type AnyVenueSpec = z.output<Schema>;

/**
 * The kind of a parsed venue spec, typed for any spec: a kind is only ever handed the specs it matches.
 */
export function venueKindOf(venue: AnyVenueSpec): VenueKind<Schema, AnyVenueSpec> {
  const kind = VENUE_KINDS.find((k) => k.matches(venue));
  if (!kind) throw new Error(`no venue kind for ${JSON.stringify(venue)}`);
  return kind as unknown as VenueKind<Schema, AnyVenueSpec>;
}
