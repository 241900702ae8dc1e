/* unit_claims — the claim table (harness/analysis/claims.c) is whole: ids
 * C1…C12 in order, then the newer ones by number, every entry with its texts and a rule, every threshold
 * printed by the rule's words, and README.md's list of the claims the
 * table's own texts. README.md is read from CB_SOURCE_DIR (tests/CMakeLists.txt
 * defines it). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/analysis/analysis.h"
#include "tests/check.h"

static int nonempty(const char *s)
{
	return s && s[0];
}

static void test_entries(void)
{
	for (int k = 0; k < H_NCLAIMS; k++) {
		const struct h_claim *c = &h_claims[k];
		/* C1-C12 in order, then the newer ones by number (a claim whose
		 * experiment has no runtime yet may be absent). */
		static int prev;
		char id[16];
		int num = c->id && c->id[0] == 'C' ? atoi(c->id + 1) : 0;
		snprintf(id, sizeof id, "C%d", k < 12 ? k + 1 : num > prev ? num : prev + 1);
		prev = num;
		if (!c->id || strcmp(c->id, id)) {
			fprintf(stderr, "entry %d: id %s, want %s\n", k, c->id ? c->id : "NULL", id);
			failures++;
			continue;
		}
		CHECK(nonempty(c->title) && nonempty(c->text) && nonempty(c->question) &&
		      nonempty(c->experiment) && nonempty(c->workloads) && nonempty(c->charts) &&
		      nonempty(c->command) && nonempty(c->words));
		CHECK(c->refs && c->note); /* may be "", never NULL */
		CHECK(c->rule != NULL);
		/* The command a reader copies from the build folder, on a small budget. */
		CHECK(!strncmp(c->command, "build/concbench run ", 20) && strstr(c->command, "--reps "));
		CHECK(h_claim_find(id) == c);
		/* The teaching: every template names only figures the entry has
		 * (with no rows, 1: "not measured", never a broken template), and
		 * every source is in the sources table. */
		CHECK(nonempty(c->takeaway) && nonempty(c->why) && nonempty(c->agree) &&
		      nonempty(c->predict) && nonempty(c->sources) && c->caveat_vm && c->caveat_cpu);
		struct h_summary empty = { 0 };
		struct h_teach_env env = { .server_cpus = 1 };
		const char *t[] = { c->takeaway, c->why, c->agree, c->caveat_vm, c->caveat_cpu };
		for (int i = 0; i < 5; i++) {
			char buf[1024], miss[256];
			int rc = h_teach_fill(c, &empty, &env, t[i], buf, sizeof buf, miss, sizeof miss);
			if (rc < 0)
				fprintf(stderr, "%s template %d: %s\n", id, i, strerror(-rc));
			CHECK(rc >= 0);
		}
		char src[128];
		snprintf(src, sizeof src, "%s", c->sources);
		for (char *sv = NULL, *s = strtok_r(src, ",", &sv); s; s = strtok_r(NULL, ",", &sv))
			CHECK(h_source_find(s) != NULL);
	}
	CHECK(!h_claim_find("C17") && !h_claim_find("C0") && !h_claim_find(""));
}

/* Every threshold appears in the words as {name} and, once printed, as its
 * formatted value; nothing of the template is left. */
static void test_words(void)
{
	for (int k = 0; k < H_NCLAIMS; k++) {
		const struct h_claim *c = &h_claims[k];
		char words[1024];
		int rc = h_claim_words(c, words, sizeof words);
		if (rc) {
			fprintf(stderr, "%s: the words do not render (%d)\n", c->id, rc);
			failures++;
			continue;
		}
		CHECK(!strchr(words, '{') && !strchr(words, '}') && strlen(words) > 40);
		int n = 0;
		for (; n < H_CLAIM_THR_MAX && c->thr[n].name; n++) {
			const struct h_threshold *t = &c->thr[n];
			char ph[48], val[32];
			snprintf(ph, sizeof ph, "{%s}", t->name);
			h_fmt_threshold(val, sizeof val, t->value, t->form);
			if (!isfinite(t->value) || !strstr(c->words, ph) || !strstr(words, val)) {
				fprintf(stderr, "%s: threshold %s (%s) is not in its words: %s\n", c->id,
				        t->name, val, words);
				failures++;
			}
			for (int j = 0; j < n; j++)
				CHECK(strcmp(c->thr[j].name, t->name));
		}
		CHECK(n > 0 && n < H_CLAIM_THR_MAX); /* room for the end mark */
	}

	/* The renderer itself: a name the entry lacks, a '{' left open, a
	 * buffer too short. */
	struct h_claim c = { .words = "at least {x}× and {y}", .thr = { { "x", 1.3 } } };
	char b[64];
	CHECK(h_claim_words(&c, b, sizeof b) == -EINVAL);
	c.words = "at least {x× and";
	CHECK(h_claim_words(&c, b, sizeof b) == -EINVAL);
	c.words = "at least {x}× threads'";
	CHECK(h_claim_words(&c, b, sizeof b) == 0 && !strcmp(b, "at least 1.3× threads'"));
	CHECK(h_claim_words(&c, b, 10) == -ENOSPC);
	CHECK(h_claim_words(&c, b, 0) == -ENOSPC);

	CHECK(!strcmp(h_fmt_threshold(b, sizeof b, 20, H_THR_NUM), "20"));
	CHECK(!strcmp(h_fmt_threshold(b, sizeof b, 0.9, H_THR_NUM), "0.9"));
	CHECK(!strcmp(h_fmt_threshold(b, sizeof b, 1200 / 1e3, H_THR_NUM), "1.2"));
	CHECK(!strcmp(h_fmt_threshold(b, sizeof b, 1.0, H_THR_ONE_DP), "1.0"));
	CHECK(!strcmp(h_fmt_threshold(b, sizeof b, 0.5, H_THR_WORD), "half"));
	CHECK(!strcmp(h_fmt_threshold(b, sizeof b, 0.6, H_THR_WORD), "60%"));
}

/* README.md's "## The claims": one "- ID: text" line per claim, in the
 * table's order, with the table's text. */
static void test_readme(void)
{
	const char *path = CB_SOURCE_DIR "/README.md";
	FILE *f = fopen(path, "re");
	if (!f) {
		fprintf(stderr, "cannot read %s\n", path);
		failures++;
		return;
	}
	char *line = NULL;
	size_t cap = 0;
	int in = 0, n = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, f)) > 0) {
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (!strncmp(line, "## ", 3)) {
			in = !strcmp(line, "## The claims");
			continue;
		}
		if (!in || strncmp(line, "- C", 3))
			continue;
		char *colon = strstr(line, ": ");
		if (!colon || n >= H_NCLAIMS) {
			fprintf(stderr, "README.md: a claim line too many or without ': ': %s\n", line);
			failures++;
			continue;
		}
		*colon = '\0';
		const struct h_claim *c = &h_claims[n++];
		if (strcmp(line + 2, c->id) || strcmp(colon + 2, c->text)) {
			fprintf(stderr, "README.md: claim %d is \"%s: %s\", the table says \"%s: %s\"\n",
			        n, line + 2, colon + 2, c->id, c->text);
			failures++;
		}
	}
	free(line);
	fclose(f);
	if (n != H_NCLAIMS) {
		fprintf(stderr, "README.md: %d claims under \"## The claims\", want %d\n", n,
		        H_NCLAIMS);
		failures++;
	}
}

int main(void)
{
	test_entries();
	test_words();
	test_readme();
	if (failures) {
		fprintf(stderr, "unit_claims: %d failures\n", failures);
		return 1;
	}
	puts("unit_claims: ok");
	return 0;
}
