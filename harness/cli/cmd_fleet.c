/* cmd_fleet.c — `concbench fleet HOSTS-FILE [run options]`: the same run on
 * every host of a GNU parallel --sshloginfile, in parallel across hosts and
 * one run a host (--nonall: one job a host), each host's results folder
 * brought back into results/fleet-<date>/<host>/, then `compare` over them
 * all, one column a host.
 *
 * Built on GNU parallel rather than a scheduler of ours: parallel logs in
 * (ssh, BatchMode so nothing waits for a password, 5 s to connect), runs
 * the command, and tags each host's output with its sshlogin. The folder
 * comes back on the job's stdout as one line, tar | base64, so a host
 * needs nothing beyond concbench, sh, tar and base64 (no rsync), and a
 * local ":" login works the same way.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../measure/measure.h"
#include "cli.h"

void cli_fleet_usage(FILE *f)
{
	fputs("usage: concbench fleet HOSTS-FILE [run options]\n"
	      "\n"
	      "Runs `concbench run [run options]` on every host of HOSTS-FILE (GNU\n"
	      "parallel's --sshloginfile: one sshlogin a line, like user@host, 4/host,\n"
	      "or : for this machine), in parallel across hosts, one run a host; brings\n"
	      "each host's results folder back into results/fleet-YYYYmmdd-HHMMSS/HOST/\n"
	      "and compares them all (concbench compare, one column a host).\n"
	      "Each host needs the same concbench build at this binary's path, sh, tar\n"
	      "and base64; this one needs GNU parallel (Debian: parallel).\n"
	      "\n"
	      "exit status: 0 every host's run ok; 1 a run failed or a folder did not\n"
	      "come back (the others are still compared); 2 bad usage or no parallel\n",
	      f);
}

#define MAX_HOSTS 64

/* The folder name of an sshlogin: its last word (an sshlogin may be a
 * whole ssh command), less "N/" and "user@"; ":" is "local". Only
 * [A-Za-z0-9._-]: it becomes a path. */
static void host_name(const char *login, char *out, size_t len)
{
	const char *w = login, *p;
	size_t n = strlen(login);
	while (n && (login[n - 1] == ' ' || login[n - 1] == '\t'))
		n--;
	for (p = login; p < login + n; p++)
		if (*p == ' ' || *p == '\t')
			w = p + 1;
	const char *slash = memchr(w, '/', (size_t)(login + n - w));
	if (slash && slash > w && strspn(w, "0123456789") == (size_t)(slash - w))
		w = slash + 1;
	const char *at = memchr(w, '@', (size_t)(login + n - w));
	if (at)
		w = at + 1;
	size_t k = 0;
	for (p = w; p < login + n && k + 1 < len; p++)
		out[k++] = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-",
		                  *p) ? *p : '_';
	out[k] = '\0';
	if (!strcmp(out, "_") || !k)
		snprintf(out, len, "local");
}

/* The sshlogins of the file (parallel's syntax: # comments, blank lines). */
static int read_hosts(const char *path, char logins[][256], int max)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		h_error("cannot read hosts file '%s': %s", path, strerror(errno));
		return H_REPORTED;
	}
	char line[512];
	int n = 0;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = '\0';
		char *s = line + strspn(line, " \t");
		if (!*s || *s == '#')
			continue;
		if (n == max) {
			fclose(f);
			h_error("hosts file '%s': more than %d hosts", path, max);
			return H_REPORTED;
		}
		snprintf(logins[n++], 256, "%s", s);
	}
	fclose(f);
	if (!n)
		h_error("hosts file '%s' lists no host", path);
	return n ? n : H_REPORTED;
}

static int in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096], file[4200];
	snprintf(buf, sizeof buf, "%s", path ? path : "/usr/bin:/bin");
	for (char *save = NULL, *d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(file, sizeof file, "%s/%s", d, prog);
		if (access(file, X_OK) == 0)
			return 1;
	}
	return 0;
}

/* s quoted for sh into out at *used. */
static int sh_quote(char *out, size_t len, size_t *used, const char *s)
{
	if (*used + 4 >= len)
		return -E2BIG;
	out[(*used)++] = ' ';
	out[(*used)++] = '\'';
	for (; *s; s++) {
		const char *piece = *s == '\'' ? "'\\''" : NULL;
		size_t k = piece ? 4 : 1;
		if (*used + k + 2 >= len)
			return -E2BIG;
		memcpy(out + *used, piece ? piece : s, k);
		*used += k;
	}
	out[(*used)++] = '\'';
	out[*used] = '\0';
	return 0;
}

/* Unpacks one host's line (base64 of a tar of its folder) into dir. */
static int unpack(const char *b64, const char *dir)
{
	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		return -errno;
	char cmd[4300];
	snprintf(cmd, sizeof cmd, "base64 -d | tar -xf - -C '%s'", dir);
	FILE *p = popen(cmd, "we");
	if (!p)
		return -errno;
	fputs(b64, p);
	int st = pclose(p);
	return st == 0 ? 0 : -EIO;
}

int cli_cmd_fleet(const struct cli_command *self, int argc, char **argv)
{
	(void)self;
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		cli_fleet_usage(stdout);
		return H_EXIT_OK;
	}
	if (argc < 2) {
		h_error("fleet needs a hosts file (usage: concbench fleet HOSTS-FILE [run options])");
		return H_EXIT_USAGE;
	}
	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[i], "--out") || !strncmp(argv[i], "--out=", 6) ||
		    !strcmp(argv[i], "--resume") || !strncmp(argv[i], "--resume=", 9)) {
			h_error("fleet chooses the folders itself: no %s", argv[i]);
			return H_EXIT_USAGE;
		}
	static char logins[MAX_HOSTS][256], names[MAX_HOSTS][128];
	int n = read_hosts(argv[1], logins, MAX_HOSTS);
	if (n < 0)
		return H_EXIT_USAGE;
	for (int i = 0; i < n; i++) {
		host_name(logins[i], names[i], sizeof names[i]);
		for (int j = 0; j < i; j++)
			if (!strcmp(names[i], names[j])) {
				h_error("hosts file '%s': two hosts named %s ('%s' and '%s')", argv[1],
				        names[i], logins[j], logins[i]);
				return H_EXIT_USAGE;
			}
	}
	if (!in_path("parallel")) {
		h_error("fleet needs GNU parallel, not found in PATH (Debian: apt-get install "
		        "parallel)");
		return H_EXIT_USAGE;
	}
	char bin[1024];
	ssize_t bl = readlink("/proc/self/exe", bin, sizeof bin - 1);
	if (bl <= 0) {
		h_error("cannot find this binary's path: %s", strerror(errno));
		return H_EXIT_FAILED;
	}
	bin[bl] = '\0';

	/* results/fleet-<date>: new. */
	char dir[256], stamp[32];
	time_t now = time(NULL);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", localtime(&now));
	snprintf(dir, sizeof dir, "results/fleet-%s", stamp);
	if ((mkdir("results", 0777) != 0 && errno != EEXIST) || mkdir(dir, 0777) != 0) {
		h_error("cannot create %s: %s", dir, strerror(errno));
		return H_EXIT_FAILED;
	}

	/* On each host: the run into a temporary folder (its progress on
	 * stderr), then the folder as one line on stdout, then nothing left. */
	static char cmd[65536];
	size_t used = (size_t)snprintf(cmd, sizeof cmd,
	                               "d=$(mktemp -d \"${TMPDIR:-/tmp}/concbench-fleet.XXXXXX\")"
	                               " || exit 1; ");
	int bad = sh_quote(cmd, sizeof cmd, &used, bin) < 0 ||
	          sh_quote(cmd, sizeof cmd, &used, "run") < 0;
	for (int i = 2; i < argc && !bad; i++)
		bad = sh_quote(cmd, sizeof cmd, &used, argv[i]) < 0;
	int tail = snprintf(cmd + used, sizeof cmd - used,
	                    " --out \"$d/r\" >&2; s=$?; [ -d \"$d/r\" ] && tar -C \"$d/r\" -cf - ."
	                    " | base64 -w0; echo; rm -rf \"$d\"; exit $s");
	if (bad || tail < 0 || (size_t)tail >= sizeof cmd - used) {
		h_error("fleet: the run options are too long");
		return H_EXIT_USAGE;
	}
	char jobs[16];
	snprintf(jobs, sizeof jobs, "%d", n);
	char *pargv[] = { "parallel", "--sshloginfile", argv[1], "--nonall", "--tag", "-j", jobs,
		          "--ssh", "ssh -o BatchMode=yes -o ConnectTimeout=5", cmd, NULL };
	fprintf(stderr, "concbench: fleet: %d host(s), results into %s\n", n, dir);
	int po[2];
	if (pipe2(po, O_CLOEXEC) != 0) {
		h_error("pipe: %s", strerror(errno));
		return H_EXIT_FAILED;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		h_error("fork: %s", strerror(errno));
		return H_EXIT_FAILED;
	}
	if (pid == 0) {
		dup2(po[1], STDOUT_FILENO);
		/* parallel runs each job with $SHELL, also through its ssh
		 * wrapper; where SHELL is unset (a CI agent, cron) every job
		 * failed without a word. */
		setenv("SHELL", "/bin/sh", 0);
		execvp("parallel", pargv);
		_exit(127);
	}
	close(po[1]);
	FILE *out = fdopen(po[0], "re");
	char *line = NULL;
	size_t cap = 0;
	int got[MAX_HOSTS] = { 0 }, failed = 0;
	while (out && getline(&line, &cap, out) > 0) {
		line[strcspn(line, "\n")] = '\0';
		char *tab = strchr(line, '\t');
		if (!tab || !tab[1])
			continue;
		*tab = '\0';
		char name[128];
		host_name(line, name, sizeof name);
		int h = -1;
		for (int i = 0; i < n && h < 0; i++)
			if (!strcmp(names[i], name))
				h = i;
		char hdir[512];
		snprintf(hdir, sizeof hdir, "%s/%s", dir, name);
		if (h < 0 || unpack(tab + 1, hdir) < 0) {
			h_error("fleet: %s: its results folder did not unpack", line);
			continue;
		}
		got[h] = 1;
	}
	free(line);
	if (out)
		fclose(out);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		failed = 1; /* parallel: how many jobs failed */
	static char hdirs[MAX_HOSTS][512];
	char *cargv[MAX_HOSTS + 4];
	int nc = 0;
	cargv[nc++] = "compare";
	for (int i = 0; i < n; i++) {
		if (!got[i]) {
			h_error("fleet: no results folder came back from %s", logins[i]);
			failed = 1;
			continue;
		}
		snprintf(hdirs[i], sizeof hdirs[i], "%s/%s", dir, names[i]);
		cargv[nc++] = hdirs[i];
	}
	char cdir[300];
	snprintf(cdir, sizeof cdir, "%s/compare", dir);
	cargv[nc] = NULL;
	if (n == 1 && nc == 2) {
		printf("%s\n", cargv[1]); /* one host: nothing to compare it with */
		return failed ? H_EXIT_FAILED : H_EXIT_OK;
	}
	if (nc < 3) {
		h_error("fleet: fewer than two folders came back: nothing to compare (%s)", dir);
		return H_EXIT_FAILED;
	}
	const struct cli_command *cmp = NULL;
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (!strcmp(c->name, "compare"))
			cmp = c;
	cargv[nc++] = "--out";
	cargv[nc++] = cdir;
	cargv[nc] = NULL;
	int rc = cmp->fn(cmp, nc, cargv);
	printf("%s\n", dir);
	return rc != H_EXIT_OK ? rc : failed ? H_EXIT_FAILED : H_EXIT_OK;
}
