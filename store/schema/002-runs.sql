-- qcmp history database, schema version 2: batch runs.
-- A run is one prompt set answered by `qcmp batch`, under a name that
-- `--run NAME` continues; each of its prompts keeps the item it came from
-- (the JSONL line's "id", else its line number).

CREATE TABLE runs (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL UNIQUE,
	model_id	INTEGER NOT NULL REFERENCES models (id),
	source		TEXT NOT NULL,		-- the prompt file, as given
	created		TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ'))
);

ALTER TABLE prompts ADD COLUMN run_id INTEGER REFERENCES runs (id);
ALTER TABLE prompts ADD COLUMN item TEXT;	-- NULL outside a run
CREATE INDEX prompts_run ON prompts (run_id, item);
