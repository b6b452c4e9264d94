/*
 * store.h: qcmp's history in SQLite: opening (creating and migrating) the
 * database, writing prompts, answers, tokens and ratings as they happen,
 * and reading them back for history, show and report.  Every SQL
 * statement of the program lives behind this header.
 */
#ifndef QCMP_STORE_H
#define QCMP_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "qerr.h"

/* The schema version this binary writes (PRAGMA user_version). */
#define STORE_SCHEMA_VERSION	2
/* How long a write waits for another process's lock. */
#define STORE_BUSY_MS		5000

struct store;

struct store_model {
	const char	*path;		/* absolute */
	const char	*sha256;	/* hex */
	int64_t		 file_size, file_mtime;
	const char	*architecture;
	int64_t		 n_params;
	int		 n_vocab;
};

struct store_variant {
	const char	*name;
	const char	*format;
	int		 built;
	double		 bits_per_weight;
	int64_t		 weight_bytes;
};

struct store_prompt {
	int64_t		 model_id;
	const char	*front_end;	/* "run", "tui", "batch" */
	const char	*text;
	const char	*system;	/* or NULL */
	const char	*tmpl;
	double		 temperature, top_p;
	int		 top_k, n_predict, n_prompt;
	uint64_t	 seed;
	int64_t		 run_id;	/* a batch run's, or 0 */
	const char	*item;		/* its item within the run, or NULL */
};

struct store_token {
	int32_t		 id;
	const char	*piece;
	size_t		 piece_len;
	double		 logprob, entropy, ms, cpu_ms;
	const int32_t	*top_id;	/* n_top of each */
	const float	*top_p;
	int		 n_top;
};

struct store_answer {
	int64_t			 prompt_id, variant_id;
	int			 slot, is_reference;
	const char		*text;
	size_t			 text_len;	/* bytes; it may hold NULs */
	const char		*finish;
	int			 n_tokens;
	double			 ttft_ms, prompt_tps, decode_tps, cpu_ms;
	double			 mean_logprob, min_prob, mean_entropy;
	double			 seq_prob, confidence;
	const struct store_token *tokens;	/* n_tokens */
};

/* Divergence of an answer from its prompt's reference answer. */
struct store_divergence {
	int	first;		/* token index, -1: identical */
	double	kld, top1_agree, dlogprob;
};

/* "correct", "partial", "wrong", or NULL when s is none of them. */
const char *store_verdict(const char *s);

/* The default database: $XDG_DATA_HOME/qcmp/history.db, else
 * ~/.local/share/qcmp/history.db; malloc'd, NULL when neither is known. */
char	*store_default_path(void);
/* Opens path, creating it (and its directory) and migrating it to
 * STORE_SCHEMA_VERSION unless readonly; readonly needs an existing
 * database.  Errors name the path and what is wrong in one line. */
int	store_open(const char *path, int readonly, struct store **out,
	    struct qerr *err);
void	store_close(struct store *s);
const char *store_path(const struct store *s);

/* The model's row, added unless a row with its path and sha256 exists. */
int	store_model(struct store *s, const struct store_model *m, int64_t *id,
	    struct qerr *err);
/* sha256 of the row for path when its size and mtime still match (the
 * file unchanged since it was hashed): malloc'd, or NULL. */
char	*store_known_sha256(struct store *s, const char *path, int64_t size,
	    int64_t mtime);
/* The variant's row under model_id, added unless it exists. */
int	store_variant(struct store *s, int64_t model_id,
	    const struct store_variant *v, int64_t *id, struct qerr *err);
int	store_prompt(struct store *s, const struct store_prompt *p,
	    int64_t *id, struct qerr *err);
/* The answer and all its tokens in one transaction. */
int	store_answer(struct store *s, const struct store_answer *a,
	    int64_t *id, struct qerr *err);
int	store_divergence(struct store *s, int64_t answer_id,
	    const struct store_divergence *d, struct qerr *err);
/* A verdict ("correct", "partial", "wrong") for answer_id, committed at
 * once; Q_EUSAGE when there is no such answer. */
int	store_rate(struct store *s, int64_t answer_id, const char *verdict,
	    const char *note, const char *source, int blind, int64_t *id,
	    struct qerr *err);

/* The batch run called name, added for model_id (from source) unless it
 * exists (*created says which); Q_EUSAGE when it belongs to another
 * model. */
int	store_run(struct store *s, const char *name, int64_t model_id,
	    const char *source, int64_t *id, int *created, struct qerr *err);
typedef int (*store_answered_cb)(void *arg, const char *item,
    const char *variant);
/* Calls cb for every (item, variant name) the run has a finished answer
 * for (stopped answers do not count), oldest first. */
int	store_run_answered(struct store *s, int64_t run_id,
	    store_answered_cb cb, void *arg, struct qerr *err);

/* One prompt in the history list. */
struct store_history_row {
	int64_t		 prompt_id;
	const char	*created, *model_path, *text;
	int		 n_answers, n_rated;
	const char	*verdicts;	/* "q8_0:correct f32:wrong ..." */
};
typedef int (*store_history_cb)(void *arg,
    const struct store_history_row *row);
/* Calls cb for the limit most recent prompts (limit <= 0: all), newest
 * first; a non-zero return from cb stops. */
int	store_history(struct store *s, int limit, store_history_cb cb,
	    void *arg, struct qerr *err);

/* A prompt with each answer's figures and latest verdict, for show. */
struct store_show_answer {
	int64_t		 answer_id;
	int		 slot, is_reference, n_tokens, first_divergence;
	int		 has_divergence;
	const char	*variant, *format, *text, *finish;
	double		 bits_per_weight, ttft_ms, decode_tps, cpu_ms;
	double		 mean_logprob, min_prob, confidence, kld, top1_agree;
	const char	*verdict, *note, *source;	/* NULL: unrated */
	int		 blind;
};
struct store_show_prompt {
	int64_t		 prompt_id;
	const char	*created, *model_path, *front_end, *text, *system;
	const char	*tmpl;
	double		 temperature, top_p;
	int		 top_k, n_predict;
	int64_t		 seed;
};
typedef int (*store_show_cb)(void *arg, const struct store_show_prompt *p,
    const struct store_show_answer *a);
/* Calls cb once per answer of prompt_id in slot order (a == NULL once
 * when it has none); Q_EUSAGE when there is no such prompt. */
int	store_show(struct store *s, int64_t prompt_id, store_show_cb cb,
	    void *arg, struct qerr *err);

/* One answer as the report sees it. */
struct store_report_row {
	int64_t		 model_id, prompt_id;
	const char	*model_path, *variant, *format;
	int		 is_reference, has_kld;
	int		 first_divergence;	/* -1 identical, -2 unknown */
	double		 bits_per_weight, confidence, kld, decode_tps;
	const char	*verdict;	/* latest, or NULL */
	const char	*ref_verdict;	/* the reference answer's, or NULL */
};
struct store_report_filter {
	const char	*model;		/* path, file name, sha256 prefix or
					 * id; NULL: all */
	const char	*since;		/* ISO date or time; NULL: all */
	const char	*run;		/* a batch run's name; NULL: all */
};
typedef int (*store_report_cb)(void *arg, const struct store_report_row *r);
/* Calls cb for every answer that passes f, ordered by model, then
 * variant (the reference first, then by falling bits/weight), then
 * prompt. */
int	store_report(struct store *s, const struct store_report_filter *f,
	    store_report_cb cb, void *arg, struct qerr *err);

#endif
