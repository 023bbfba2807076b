// An append-only event log in a file (JSON Lines): the durable state of the Node backend.
// Every batch is written and fsynced before the engine applies it, so a restart rebuilds the
// exact state by replaying the file. One writer (this process) at a time.
// Used by server.mjs; run its test: node --test examples/node/

import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export class EventStore {
  /** @param {string} path the log file; created with its folder when missing */
  constructor(path) {
    this.path = path;
    mkdirSync(dirname(path), { recursive: true });
  }

  /** Every stored event, oldest first. */
  readAll() {
    if (!existsSync(this.path)) return [];
    return readFileSync(this.path, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line));
  }

  /** Appends a batch durably: one line per event, then fsync. Throws if the disk refuses. */
  append(events) {
    if (events.length === 0) return;
    const fd = openSync(this.path, 'a');
    try {
      appendFileSync(fd, events.map((e) => `${JSON.stringify(e)}\n`).join(''));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
