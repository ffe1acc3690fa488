-- SPDX-License-Identifier: GPL-3.0-or-later
-- Device database, migration 1: pinned server certificates (trust on first use).
-- Never edit a migration that has shipped; add the next one.
CREATE TABLE pins (
  server      TEXT PRIMARY KEY,   -- "host:port"
  fingerprint TEXT NOT NULL,      -- SHA-256 of the certificate, "AB:CD:…"
  first_seen  INTEGER NOT NULL    -- when it was pinned, seconds since the epoch
);
