-- SPDX-License-Identifier: GPL-3.0-or-later
-- Account database, migration 5: each conversation keeps its unread count
-- (the messages of others above "read"), moved with every message stored
-- and every read, instead of counting them again for each job. NULL: not
-- counted yet (the rows from before this migration; a group's count needs
-- the account's id, which SQL here does not know); the next read of the
-- row counts once and keeps the number. Never edit a migration that has
-- shipped; add the next one.
ALTER TABLE conversations ADD COLUMN unread INTEGER;
