/*
 * compare.c: prints what the engine reports for several variants.  Text
 * mode keeps the answers readable on any stream: the first unfinished
 * answer streams, later ones are held and printed when their turn comes;
 * the figures come from struct answer and the divergence module.
 */
#include "config.h"

#include "compare.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "divergence.h"
#include "engine.h"
#include "json.h"
#include "kern.h"
#include "textwrap.h"
#include "tokenizer.h"
#include "variant.h"

static void
compare_header(const struct model *v, int first)
{
	printf("%s== %s: %.5g bits/weight, %.2f MB ==\n", first ? "" : "\n",
	    variant_name(v), variant_bpw(v), variant_weight_bytes(v) / 1e6);
}

static void
compare_echo(const struct model *v, const int32_t *ids, size_t n_ids)
{
	struct detok	dt;
	char		buf[VOCAB_MAX_TOKEN_BYTES + 64];

	detok_init(&dt, v->vocab);
	for (size_t i = 0; i < n_ids; i++)
		fwrite(buf, 1, detok_push(&dt, ids[i], buf, sizeof buf),
		    stdout);
}

static void
compare_json_token(const struct model *v, const struct engine_event *ev)
{
	const struct sample_info	*s = &ev->tok.info;

	printf("{\"event\":\"token\",\"variant\":");
	json_str(stdout, variant_name(v), strlen(variant_name(v)));
	printf(",\"index\":%d,\"id\":%d,\"piece\":", ev->tok.index, s->id);
	json_str(stdout, ev->piece ? ev->piece : "",
	    ev->piece ? strlen(ev->piece) : 0);
	printf(",\"logprob\":");
	json_num(stdout, s->logprob);
	printf(",\"entropy\":");
	json_num(stdout, s->entropy);
	printf(",\"top\":[");
	for (int k = 0; k < SAMPLER_TOPN; k++) {
		printf("%s{\"id\":%d,\"p\":", k ? "," : "", s->top_id[k]);
		json_num(stdout, s->top_p[k]);
		printf("}");
	}
	printf("],\"t_ms\":");
	json_num(stdout, ev->t_ms);
	printf(",\"cpu_ms\":");
	json_num(stdout, ev->cpu_ms);
	printf("}\n");
}

/* Divergence of answer i from answer 0 (the reference). */
static void
compare_div(struct model **v, int i, const struct answer *ans,
    const int32_t *ids, size_t n_ids, struct div_stats *ds)
{
	struct qerr	err;
	int		first = div_first(ans[0].ids, ans[0].n, ans[i].ids,
			    ans[i].n);

	memset(ds, 0, sizeof *ds);
	if (div_score(v[0], v[i], ids, n_ids, ans[0].ids, ans[0].n, NULL, ds,
	    &err) != Q_OK)
		ds->n = 0;
	ds->first = first;
}

static void
compare_json_answer(const struct model *v, const struct answer *a,
    const struct div_stats *ds, int is_ref, int64_t answer_id)
{
	struct answer_summary	s;

	answer_summarise(a, &s);
	printf("{\"event\":\"answer\",\"variant\":");
	json_str(stdout, variant_name(v), strlen(variant_name(v)));
	printf(",\"bits_per_weight\":");
	json_num(stdout, variant_bpw(v));
	printf(",\"weight_mb\":");
	json_num(stdout, variant_weight_bytes(v) / 1e6);
	printf(",\"text\":");
	json_str(stdout, a->text ? a->text : "", a->len);
	printf(",\"n_tokens\":%d,\"n_prompt\":%d,\"finish\":\"%s\"", a->n,
	    a->stats.n_prompt, generate_finish_name(a->stats.finish));
	printf(",\"ttft_ms\":");
	json_num(stdout, a->ttft_ms);
	printf(",\"prompt_tps\":");
	json_num(stdout, s.prompt_tps);
	printf(",\"decode_tps\":");
	json_num(stdout, s.decode_tps);
	printf(",\"cpu_ms\":");
	json_num(stdout, a->cpu_ms);
	printf(",\"mean_logprob\":");
	json_num(stdout, s.mean_logprob);
	printf(",\"min_prob\":");
	json_num(stdout, s.min_prob);
	printf(",\"mean_entropy\":");
	json_num(stdout, s.mean_entropy);
	printf(",\"seq_prob\":");
	json_num(stdout, s.seq_prob);
	if (is_ref)
		printf(",\"first_divergence\":null,\"kld\":null,"
		    "\"top1_agree\":null");
	else {
		printf(",\"first_divergence\":%d,\"kld\":", ds->first);
		if (ds->n > 0)
			json_num(stdout, ds->kld);
		else
			printf("null");
		printf(",\"top1_agree\":");
		if (ds->n > 0)
			json_num(stdout, ds->top1);
		else
			printf("null");
	}
	printf(",\"confidence\":");
	json_num(stdout, s.confidence);
	if (answer_id > 0)
		printf(",\"answer_id\":%lld", (long long)answer_id);
	printf("}\n");
}

/* One line on stderr with every variant's progress, redrawn in place. */
static void
compare_status(struct model **v, int n, const struct answer *ans)
{
	fprintf(stderr, "\r\033[K");
	for (int i = 0; i < n; i++)
		fprintf(stderr, "%s%s %d%s", i ? "  " : "", variant_name(v[i]),
		    ans[i].n, ans[i].done ? " done" : "");
	fflush(stderr);
}

/* The answers side by side, one column each, under their headers. */
static void
compare_columns(struct model **v, int n, const struct answer *ans, int width)
{
	struct tw_line	*ls[ENGINE_MAX_VARIANTS];
	const char	*ts[ENGINE_MAX_VARIANTS];
	int		 nl[ENGINE_MAX_VARIANTS], rows = 0;
	int		  cw = (width - 3 * (n - 1)) / n;
	char		  head[64];

	for (int i = 0; i < n; i++) {
		snprintf(head, sizeof head, "%s (%.3g b/w)", variant_name(v[i]),
		    variant_bpw(v[i]));
		printf("%s%-*.*s", i ? " | " : "", cw, cw, head);
	}
	printf("\n");
	for (int i = 0; i < n; i++) {
		const char *t = ans[i].text ? ans[i].text : "";

		/* the answer without the space that joins it to the prompt */
		while (*t == ' ')
			t++;
		ts[i] = t;
		if ((nl[i] = textwrap(t, strlen(t), cw, &ls[i])) < 0)
			nl[i] = 0;
		if (nl[i] > rows)
			rows = nl[i];
	}
	for (int r = 0; r < rows; r++) {
		for (int i = 0; i < n; i++) {
			int	w = 0;

			if (i)
				printf(" | ");
			if (r < nl[i]) {
				const char *l = ts[i] + ls[i][r].off;

				fwrite(l, 1, ls[i][r].len, stdout);
				w = textwrap_width(l, ls[i][r].len);
			}
			if (i + 1 < n)
				printf("%*s", cw - w > 0 ? cw - w : 0, "");
		}
		printf("\n");
	}
	for (int i = 0; i < n; i++)
		free(ls[i]);
}

static void
compare_table(struct model **v, int n, const struct answer *ans,
    const struct div_stats *dv, const struct history *h)
{
	int	w = 6;

	for (int i = 0; i < n; i++)
		if ((int)strlen(variant_name(v[i])) > w)
			w = (int)strlen(variant_name(v[i]));
	printf("\n%-*s %7s %7s %6s %8s %8s %8s %8s %6s %7s %7s %8s %6s%s\n",
	    w, "", "bits/w", "MB", "tokens", "ttft ms", "tok/s", "cpu ms",
	    "mean lp", "min p", "entropy", "1st div", "KLD", "top-1",
	    h != NULL ? "  answer" : "");
	for (int i = 0; i < n; i++) {
		struct answer_summary	s;
		const struct div_stats	*ds = &dv[i];
		char			fd[16] = "-", kl[16] = "-", t1[16] = "-";
		char			id[32] = "";

		answer_summarise(&ans[i], &s);
		if (i > 0) {
			if (ds->first >= 0)
				snprintf(fd, sizeof fd, "%d", ds->first);
			else
				snprintf(fd, sizeof fd, "none");
			if (ds->n > 0) {
				snprintf(kl, sizeof kl, "%.5f", ds->kld);
				snprintf(t1, sizeof t1, "%.3f", ds->top1);
			}
		}
		if (h != NULL && h->answer_id[i] > 0)
			snprintf(id, sizeof id, "  %6lld",
			    (long long)h->answer_id[i]);
		printf("%-*s %7.4g %7.2f %6d %8.1f %8.1f %8.1f %8.3f %6.3f "
		    "%7.3f %7s %8s %6s%s\n", w, variant_name(v[i]),
		    variant_bpw(v[i]), variant_weight_bytes(v[i]) / 1e6, ans[i].n,
		    ans[i].ttft_ms, s.decode_tps, ans[i].cpu_ms,
		    s.mean_logprob, s.min_prob, s.mean_entropy, fd, kl, t1, id);
	}
	if (h != NULL && h->prompt_id > 0)
		printf("\nprompt %lld; rate an answer with: qcmp rate ANSWER "
		    "correct|partial|wrong\n", (long long)h->prompt_id);
}

/* The figures line -v prints for one answer. */
static void
compare_stats(const struct model *v, const struct answer *a, int named)
{
	const struct gen_stats	*st = &a->stats;

	fprintf(stderr, "qcmp: %s%sprompt %d tokens, %.1f tok/s; decode %d "
	    "tokens, %.1f tok/s; cpu %.1f ms; context %d; finished: %s\n",
	    named ? variant_name(v) : "", named ? ": " : "", st->n_prompt,
	    st->prompt_ms > 0 ? st->n_prompt * 1e3 / st->prompt_ms : 0.0,
	    st->n_gen, st->gen_ms > 0 ? st->n_gen * 1e3 / st->gen_ms : 0.0,
	    a->cpu_ms, st->n_ctx, generate_finish_name(st->finish));
}

/* Records answer i once it is done; a failure to record is reported and
 * remembered, the comparison goes on. */
static void
compare_record(const struct compare_opts *o, int i, const struct answer *a,
    int *hist_rc)
{
	struct qerr	err;
	int		rc;

	if (o->hist == NULL || *hist_rc != Q_OK)
		return;
	if ((rc = history_answer(o->hist, i, a, &err)) != Q_OK) {
		fprintf(stderr, "qcmp: history: %s\n", err.msg);
		*hist_rc = rc;
	}
}

int
compare_run(struct model **v, int n, const int32_t *ids, size_t n_ids,
    const struct gen_params *p, const struct compare_opts *o,
    struct qerr *err)
{
	struct answer		 ans[ENGINE_MAX_VARIANTS];
	struct div_stats	 dv[ENGINE_MAX_VARIANTS];
	size_t			 shown[ENGINE_MAX_VARIANTS] = { 0 };
	struct engine		*e;
	struct engine_event	 ev;
	int			 rc, next = 0, failed = Q_OK, side;
	int			 hist_rc = Q_OK;

	/* a bad setting is one error, not one per variant */
	if ((rc = generate_check(v[0], p, n_ids, err)) != Q_OK ||
	    (rc = engine_new(v, n, o->isolated, &e, err)) != Q_OK)
		return (rc);
	if ((rc = engine_start(e, ids, n_ids, p, err)) != Q_OK) {
		engine_free(e);
		return (rc);
	}
	for (int i = 0; i < n; i++)
		answer_init(&ans[i]);
	side = !o->json && n > 1 && o->columns >= n * 20 + 3 * (n - 1);
	if (!o->json && !side) {
		if (!o->plain)
			compare_header(v[0], 1);
		if (o->echo)
			compare_echo(v[0], ids, n_ids);
	}
	while (engine_next(e, &ev, -1) == 1) {
		int i = ev.variant;

		answer_add(&ans[i], &ev);
		if (ev.kind == ENGINE_TOKEN) {
			if (o->json && o->json_tokens)
				compare_json_token(v[i], &ev);
			free(ev.piece);
		} else {
			if (ev.rc != Q_OK) {
				fprintf(stderr, "qcmp: %s: %s\n",
				    variant_name(v[i]), ev.err);
				failed = ev.rc;
			}
			compare_record(o, i, &ans[i], &hist_rc);
			if (o->verbose)
				compare_stats(v[i], &ans[i], n > 1);
		}
		if (o->json)
			continue;
		if (side) {
			compare_status(v, n, ans);
			continue;
		}
		/* stream the current answer; finished ones hand over */
		for (;;) {
			if (ans[next].len > shown[next])
				fwrite(ans[next].text + shown[next], 1,
				    ans[next].len - shown[next], stdout);
			shown[next] = ans[next].len;
			if (!ans[next].done)
				break;
			fputc('\n', stdout);
			if (++next == n)
				break;
			compare_header(v[next], 0);
			if (o->echo)
				compare_echo(v[next], ids, n_ids);
		}
		fflush(stdout);
	}
	engine_free(e);
	memset(dv, 0, sizeof dv);
	for (int i = 1; failed == Q_OK && i < n; i++) {
		struct qerr herr;

		compare_div(v, i, ans, ids, n_ids, &dv[i]);
		if (o->hist != NULL && hist_rc == Q_OK &&
		    (hist_rc = history_divergence(o->hist, i, &dv[i],
		    &herr)) != Q_OK)
			fprintf(stderr, "qcmp: history: %s\n", herr.msg);
	}
	if (failed == Q_OK && o->json) {
		for (int i = 0; i < n; i++)
			compare_json_answer(v[i], &ans[i], &dv[i], i == 0,
			    o->hist != NULL ? o->hist->answer_id[i] : 0);
	} else if (failed == Q_OK && !o->plain) {
		if (side) {
			fprintf(stderr, "\r\033[K");
			if (o->echo) {
				compare_echo(v[0], ids, n_ids);
				printf("\n\n");
			}
			compare_columns(v, n, ans, o->columns);
		}
		compare_table(v, n, ans, dv, o->hist);
	}
	fflush(stdout);
	for (int i = 0; i < n; i++)
		answer_free(&ans[i]);
	if (failed != Q_OK)
		return (qerr_set(err, failed, "a variant failed"));
	if (hist_rc != Q_OK)
		return (qerr_set(err, Q_EFORMAT, "the answers were not all "
		    "recorded in the history"));
	return (Q_OK);
}
