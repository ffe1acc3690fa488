-- SPDX-License-Identifier: GPL-3.0-or-later
-- Account database, migration 1: the account's own profile.
-- Never edit a migration that has shipped; add the next one.
CREATE TABLE profile (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  body BLOB NOT NULL              -- PROFILE body (tssa{sv}), little-endian normal form
);
