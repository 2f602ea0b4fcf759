-- 0002-recurring-overlap: the overlap policy of each recurring definition ('allow' | 'skip'). A definition stored
-- before this migration read as 'allow', which is what every tick did then, so the default changes no schedule.
-- Forward-only: never edit once released; add 0003-... instead.
ALTER TABLE {{recurring}} ADD COLUMN overlap TEXT NOT NULL DEFAULT 'allow' CHECK (overlap IN ('allow', 'skip'));
