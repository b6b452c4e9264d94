-- qcmp history database, schema version 1.
-- Every prompt qcmp answers, each variant's answer with its figures and
-- tokens, and every verdict a user (or a batch's grader) gives.  Times are
-- UTC ISO 8601 text.  Query it with the sqlite3 shell; the views at the
-- end are what `qcmp report` computes from.

-- A model file.  A variant built in memory points at the file it was
-- built from; a file compared as a variant (-m twice) has its own row.
CREATE TABLE models (
	id		INTEGER PRIMARY KEY,
	path		TEXT NOT NULL,		-- as given, made absolute
	sha256		TEXT NOT NULL,		-- of the whole file, hex
	file_size	INTEGER NOT NULL,
	file_mtime	INTEGER NOT NULL,	-- seconds since the epoch
	architecture	TEXT NOT NULL,		-- "llama"
	n_params	INTEGER NOT NULL,
	n_vocab		INTEGER NOT NULL,
	created		TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ')),
	UNIQUE (path, sha256)
);

-- A precision variant of a model: the weights one answer came from.
CREATE TABLE variants (
	id		INTEGER PRIMARY KEY,
	model_id	INTEGER NOT NULL REFERENCES models (id),
	name		TEXT NOT NULL,		-- "q8_0", "f32", a file label
	format		TEXT NOT NULL,		-- of the layer matrices
	built		INTEGER NOT NULL CHECK (built IN (0, 1)),
						-- 1: quantized by qcmp
	bits_per_weight	REAL NOT NULL,
	weight_bytes	INTEGER NOT NULL,
	UNIQUE (model_id, name, format, built)
);

-- A prompt as the variants saw it, with the sampler settings.
CREATE TABLE prompts (
	id		INTEGER PRIMARY KEY,
	model_id	INTEGER NOT NULL REFERENCES models (id),
	created		TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ')),
	front_end	TEXT NOT NULL,		-- "run", "tui", "batch"
	text		TEXT NOT NULL,
	system		TEXT,			-- system prompt, or NULL
	template	TEXT NOT NULL,		-- chat template used
	temperature	REAL NOT NULL,
	top_k		INTEGER NOT NULL,
	top_p		REAL NOT NULL,
	seed		INTEGER NOT NULL,
	n_predict	INTEGER NOT NULL,
	n_prompt	INTEGER NOT NULL	-- prompt tokens, BOS included
);
CREATE INDEX prompts_created ON prompts (created);

-- One variant's finished answer to a prompt.  Written in one transaction
-- with its tokens when the variant finishes; the divergence figures are
-- filled in once the reference answer exists (NULL until then, and for
-- the reference itself).
CREATE TABLE answers (
	id		INTEGER PRIMARY KEY,
	prompt_id	INTEGER NOT NULL REFERENCES prompts (id),
	variant_id	INTEGER NOT NULL REFERENCES variants (id),
	slot		INTEGER NOT NULL,	-- place in the comparison
	is_reference	INTEGER NOT NULL CHECK (is_reference IN (0, 1)),
	created		TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ')),
	text		TEXT NOT NULL,
	finish		TEXT NOT NULL CHECK (finish IN
			    ('eos', 'length', 'context', 'stopped', 'error')),
	n_tokens	INTEGER NOT NULL,
	ttft_ms		REAL NOT NULL,		-- variant start to first token
	prompt_tps	REAL NOT NULL,
	decode_tps	REAL NOT NULL,
	cpu_ms		REAL NOT NULL,
	mean_logprob	REAL NOT NULL,		-- natural log
	min_prob	REAL NOT NULL,
	mean_entropy	REAL NOT NULL,		-- nats
	seq_prob	REAL NOT NULL,
	confidence	REAL NOT NULL,		-- exp(mean_logprob): the
						-- calibration score
	first_divergence INTEGER,		-- token index; -1: identical
	kld		REAL,			-- mean, teacher-forced
	top1_agree	REAL,			-- fraction
	dlogprob	REAL,			-- mean change of the
						-- reference token's log-prob
	UNIQUE (prompt_id, slot)
);
CREATE INDEX answers_variant ON answers (variant_id);

-- Every generated token of an answer.
CREATE TABLE tokens (
	answer_id	INTEGER NOT NULL REFERENCES answers (id)
			    ON DELETE CASCADE,
	idx		INTEGER NOT NULL,	-- 0 = first generated
	token_id	INTEGER NOT NULL,
	piece		TEXT NOT NULL,		-- its text in the answer
	logprob		REAL NOT NULL,
	entropy		REAL NOT NULL,
	ms		REAL NOT NULL,		-- since the variant began
	cpu_ms		REAL NOT NULL,		-- CPU time for this token
	top		TEXT NOT NULL,		-- JSON [[id, prob], ...],
						-- the five most probable
	PRIMARY KEY (answer_id, idx)
) WITHOUT ROWID;

-- Verdicts; the latest one of an answer counts.
CREATE TABLE ratings (
	id		INTEGER PRIMARY KEY,
	answer_id	INTEGER NOT NULL REFERENCES answers (id)
			    ON DELETE CASCADE,
	verdict		TEXT NOT NULL CHECK (verdict IN
			    ('correct', 'partial', 'wrong')),
	note		TEXT,
	source		TEXT NOT NULL CHECK (source IN ('human', 'auto')),
	blind		INTEGER NOT NULL DEFAULT 0 CHECK (blind IN (0, 1)),
	created		TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ'))
);
CREATE INDEX ratings_answer ON ratings (answer_id, id);

-- Answers with their variant, model and latest verdict (NULL: unrated).
CREATE VIEW answer_verdicts AS
SELECT a.id AS answer_id, a.prompt_id, p.model_id, p.created AS asked,
    v.name AS variant, v.format, v.bits_per_weight, a.is_reference,
    a.text, a.finish, a.n_tokens, a.decode_tps, a.confidence,
    a.first_divergence, a.kld, a.top1_agree,
    r.verdict, r.note, r.source, r.blind, r.created AS rated
FROM answers a
JOIN prompts p ON p.id = a.prompt_id
JOIN variants v ON v.id = a.variant_id
LEFT JOIN ratings r ON r.id =
    (SELECT max(id) FROM ratings WHERE answer_id = a.id);

-- Error rate per model and variant, 'partial' counted as not correct.
CREATE VIEW variant_error_rates AS
SELECT model_id, variant, count(*) AS answers, count(verdict) AS rated,
    sum(verdict = 'correct') AS correct,
    sum(verdict = 'partial') AS partial,
    sum(verdict = 'wrong') AS wrong,
    1.0 - avg(CASE WHEN verdict IS NULL THEN NULL
        WHEN verdict = 'correct' THEN 1.0 ELSE 0.0 END) AS error_rate
FROM answer_verdicts GROUP BY model_id, variant;

-- Rated answers in ten equal-width bins of confidence (1.0 in the last):
-- calibrated means accuracy close to mean confidence in every bin.
CREATE VIEW calibration_bins AS
SELECT model_id, variant,
    min(CAST(confidence * 10 AS INTEGER), 9) AS bin,
    count(*) AS n, avg(confidence) AS mean_confidence,
    avg(verdict = 'correct') AS accuracy
FROM answer_verdicts WHERE verdict IS NOT NULL
GROUP BY model_id, variant, bin;
