-- 0005-recurring-overlap: the overlap policy of each recurring definition ('allow' | 'skip'), read by fireRecurring.
-- A definition stored before this migration reads as 'allow', which is what every tick did then. The constant
-- default makes the new column a catalog change; the CHECK reads the recurring table once (one row per schedule).
-- :"schema" is replaced by the quoted schema name. Forward-only: never edit once released; add 0006-... instead.
ALTER TABLE :"schema".recurring
  ADD COLUMN overlap text NOT NULL DEFAULT 'allow' CHECK (overlap IN ('allow', 'skip'));
