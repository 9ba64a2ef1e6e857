import { jsonContentHash, parseEvent, type CatalogEvent } from '@omnitrail/events';
import { forEachLine } from '../ndjson/index.js';

/** A line that is not a valid event: what the report lists under `input.rejected`. */
export interface LineRejection {
  line: number;
  id: string | null;
  errors: { path: string; message: string }[];
}

/**
 * What parsing one block of lines gives: the valid events with their line numbers and canonical hashes
 * (parallel arrays, cheap to send between threads), and the invalid lines.
 */
export interface ParsedBlock {
  events: CatalogEvent[];
  lines: number[];
  hashes: number[];
  /** Each valid event's text, when asked for: its line as read, or from a worker the event's JSON (a spilling replay writes it as is). */
  texts?: string[];
  rejected: LineRejection[];
  /** Non-blank lines seen. */
  read: number;
}

/** Parses and validates one raw JSON value found at a line. */
export function parseValue(value: unknown, line: number, out: ParsedBlock, text?: string): void {
  const result = parseEvent(value);
  if (result.success) {
    // The hash walks the whole line, fields parseEvent dropped included: a value nested too deep is rejected.
    let hash: number;
    try {
      hash = jsonContentHash(value);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      out.rejected.push({ line, id: result.event.id, errors: [{ path: '', message: `the event is ${error.message}` }] });
      return;
    }
    out.events.push(result.event);
    out.lines.push(line);
    out.hashes.push(hash);
    if (out.texts !== undefined && text !== undefined) out.texts.push(text);
  } else {
    out.rejected.push({ line, id: result.error.eventId, errors: result.error.issues.map((i) => ({ path: i.path, message: i.message })) });
  }
}

/** An empty block result. */
export function emptyParsedBlock(): ParsedBlock {
  return { events: [], lines: [], hashes: [], rejected: [], read: 0 };
}

/**
 * JSON-parses and validates every non-blank line of a block (the work the parse workers do); with
 * `keepText`, also keeps each valid line's text (slices of the block's text, not copies).
 */
export function parseBlock(bytes: Uint8Array, firstLine: number, keepText = false): ParsedBlock {
  const out = emptyParsedBlock();
  if (keepText) out.texts = [];
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  forEachLine(text, firstLine, (line, lineNumber) => {
    out.read++;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      out.rejected.push({ line: lineNumber, id: null, errors: [{ path: '', message: `not valid JSON: ${(error as Error).message}` }] });
      return;
    }
    parseValue(value, lineNumber, out, line);
  });
  return out;
}

/**
 * A parsed block as a worker sends it back: the valid events as one JSON array text (in place of the
 * events themselves), the rest as in {@link ParsedBlock}. Taking events back through structured clone costs
 * the receiving thread ~2.3 µs per event, more than parsing the line itself; one JSON.parse of already
 * validated, normalised events costs it ~1.8 µs, against ~3.5 µs for JSON.parse, validation and the
 * duplicate hash of the raw line.
 */
export interface JsonParsedBlock extends Omit<ParsedBlock, 'events' | 'texts'> {
  /** The valid events as a JSON array: `[` + each event's `JSON.stringify` joined by `,` + `]`. */
  json: string;
  /** Where each event's text ends in `json` (exclusive), so a spilling replay can slice them out. */
  ends: Int32Array;
}

/** {@link parseBlock}, with the valid events sent as JSON text (the parse workers' form). */
export function parseBlockAsJson(bytes: Uint8Array, firstLine: number): JsonParsedBlock {
  const { events, lines, hashes, rejected, read } = parseBlock(bytes, firstLine);
  const parts = events.map((e) => JSON.stringify(e));
  const ends = new Int32Array(parts.length);
  let at = 1;
  parts.forEach((part, i) => {
    at += part.length;
    ends[i] = at;
    at++;
  });
  return { json: `[${parts.join(',')}]`, ends, lines, hashes, rejected, read };
}

/**
 * The block a worker sent. The events were validated there and written from the validated events, so
 * JSON.parse gives them back as they were (events are plain JSON data: no undefined values, no -0). With
 * `keepText`, each event's own JSON text comes along too (slices of the block's text, not copies).
 */
export function fromJsonParsedBlock(block: JsonParsedBlock, keepText = false): ParsedBlock {
  const out: ParsedBlock = { events: JSON.parse(block.json) as CatalogEvent[], lines: block.lines, hashes: block.hashes, rejected: block.rejected, read: block.read };
  if (keepText) {
    const texts: string[] = (out.texts = []);
    for (let i = 0, start = 1; i < block.ends.length; start = block.ends[i]! + 1, i++) texts.push(block.json.slice(start, block.ends[i]));
  }
  return out;
}
