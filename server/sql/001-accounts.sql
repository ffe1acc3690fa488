-- 001: accounts, verification codes, resume tokens
--
-- SPDX-License-Identifier: GPL-3.0-or-later
--
-- The schema every database had before migrations moved into files; a
-- database at user_version 1 was made by exactly this. Never edit a
-- migration that has shipped: add the next one.

CREATE TABLE accounts (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  email         TEXT NOT NULL UNIQUE,          -- lower-cased by the server
  nickname      TEXT NOT NULL,
  password_hash TEXT NOT NULL,                 -- Argon2id PHC string
  fields        BLOB NOT NULL,                 -- GVariant a{sv}, little-endian normal form
  disabled      INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL
);
-- Account ids start at 10000.
INSERT INTO sqlite_sequence (name, seq) VALUES ('accounts', 9999);
CREATE TABLE register_codes (
  email         TEXT PRIMARY KEY,
  code_hash     BLOB NOT NULL,                 -- keyed BLAKE2b of the code
  expires_at    INTEGER NOT NULL,
  attempts_left INTEGER NOT NULL,
  last_sent_at  INTEGER NOT NULL,
  window_start  INTEGER NOT NULL,              -- start of the hourly sending window
  window_count  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE tokens (
  hash          BLOB PRIMARY KEY,              -- SHA-256 of the token
  account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  expires_at    INTEGER NOT NULL,
  created_at    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX tokens_by_account ON tokens (account_id);
CREATE INDEX tokens_by_expiry ON tokens (expires_at);
