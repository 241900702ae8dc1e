/* unit_manifest: h_manifest_write writes valid JSON that describes this
 * machine (PU count, kernel release, command line as given, escapes intact),
 * atomically (no temporary file left behind), and reports an unwritable
 * directory as a negative errno. JSON validity is checked with python3's
 * parser; without python3 the test skips (77) after the C-level checks. */
#define _GNU_SOURCE
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/measure/measure.h"

#include "tests/check.h"

/* Parses the manifest with python3's json module and checks the fields whose
 * values we know independently. Returns the exit status, 127 when python3
 * could not be run. */
static int python_check(const char *path, const char *release, int argc, char **argv)
{
	static const char script[] =
		"import json, sys\n"
		"m = json.load(open(sys.argv[1]))\n"
		"def need(c, what):\n"
		"    if not c: sys.exit('manifest: ' + what)\n"
		"need(m['schema'] == 'concbench.manifest' and m['schema_version'] == 1, 'schema')\n"
		"need(m['kernel']['release'] == sys.argv[2], 'kernel release')\n"
		"need(m['command_line'] == sys.argv[3:], 'command_line %r' % m['command_line'])\n"
		"t = m['topology']\n"
		"need(t['pus'] >= 1 and t['cores'] >= 1 and t['packages'] >= 1, 'topology counts')\n"
		"need(t['pus'] >= t['cores'] >= t['packages'], 'topology order')\n"
		"need(t['run_pus'] >= 1 and t['run_pus'] <= t['pus'], 'run_pus')\n"
		"need(isinstance(t['run_cpuset'], str) and t['run_cpuset'], 'run_cpuset')\n"
		"need(t['summary'].endswith('PU' if t['pus'] == 1 else 'PUs'), 'summary')\n"
		"need(m['cpu']['online'] >= 1, 'online cpus')\n"
		"v = m['virtualization']\n"
		"need(isinstance(v['virtual_machine'], bool), 'virtual_machine')\n"
		"need(v['virtual_machine'] == (v['hypervisor'] is not None or v['evidence']['cpuinfo_hypervisor_flag']), 'vm consistency')\n"
		"need(isinstance(v['detected_by'], list) and bool(v['detected_by']) == v['virtual_machine'], 'detected_by')\n"
		"for k in ('RLIMIT_NOFILE', 'RLIMIT_NPROC', 'RLIMIT_STACK', 'RLIMIT_AS'):\n"
		"    for s in ('soft', 'hard'):\n"
		"        x = m['limits'][k][s]\n"
		"        need(x == 'unlimited' or (isinstance(x, int) and x >= 0), k)\n"
		"need(m['memory']['mem_total_kib'] > 0, 'MemTotal')\n"
		"need(m['created'].endswith('Z') and m['created'][10] == 'T', 'created')\n"
		"for k in ('git_commit', 'compiler', 'cflags', 'build_type', 'hostname'):\n"
		"    need(isinstance(m[k], str), k)\n"
		"need(m['openmp'].startswith(('libgomp', 'libomp')), 'openmp')\n";
	char *args[argc + 6];
	int n = 0;
	args[n++] = "python3";
	args[n++] = "-c";
	args[n++] = (char *)script;
	args[n++] = (char *)path;
	args[n++] = (char *)release;
	for (int i = 0; i < argc; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	return t_run(args);
}

int main(void)
{
	hwloc_topology_t topo;
	REQUIRE(hwloc_topology_init(&topo) == 0);
	REQUIRE(hwloc_topology_load(topo) == 0);
	hwloc_bitmap_t set = hwloc_bitmap_alloc();
	REQUIRE(set);
	REQUIRE(hwloc_get_cpubind(topo, set, HWLOC_CPUBIND_PROCESS) == 0);

	char dir[64];
	t_tmpdir(dir, sizeof dir, "unit_manifest");
	char path[256];
	snprintf(path, sizeof path, "%s/manifest.json", dir);

	/* Quotes, backslashes, a tab and a newline must survive the escaping. */
	char *argv[] = {"concbench", "run", "--runtime=threads",
	                "odd \"quoted\" C:\\path\twith\ttabs\nand a newline", ""};
	int argc = (int)(sizeof argv / sizeof argv[0]);

	REQUIRE(h_manifest_write(dir, argc, argv, topo, set) == 0);
	/* Written twice: the rename replaces the old file, leaving no temp. */
	REQUIRE(h_manifest_write(dir, argc, argv, topo, set) == 0);
	REQUIRE(t_count_entries(dir) == 1);

	struct utsname u;
	REQUIRE(uname(&u) == 0);
	char *text = t_read_file(path);
	REQUIRE(text && text[0] == '{');
	char val[256];
	REQUIRE(h_json_get(text, "schema", val, sizeof val) == 0);
	REQUIRE(strcmp(val, "concbench.manifest") == 0);
	REQUIRE(h_json_get(text, "release", val, sizeof val) == 0);
	REQUIRE(strcmp(val, u.release) == 0);
	REQUIRE(h_json_get(text, "pus", val, sizeof val) == 0);
	REQUIRE(atoi(val) >= 1);
	REQUIRE(h_json_get(text, "virtual_machine", val, sizeof val) == 0);
	REQUIRE(strcmp(val, "true") == 0 || strcmp(val, "false") == 0);
	REQUIRE(strstr(text, "\"RLIMIT_NOFILE\""));
	free(text);

	/* Unwritable destinations: a directory that does not exist, a path
	 * through a regular file, and (unless root, who ignores modes) a
	 * read-only directory. Each is a negative errno and leaves nothing. */
	char bad[300];
	snprintf(bad, sizeof bad, "%s/no/such/dir", dir);
	REQUIRE(h_manifest_write(bad, argc, argv, topo, set) == -ENOENT);
	snprintf(bad, sizeof bad, "%s/manifest.json", dir);
	REQUIRE(h_manifest_write(bad, argc, argv, topo, set) == -ENOTDIR);
	if (geteuid() != 0) {
		char ro[300];
		snprintf(ro, sizeof ro, "%s/ro", dir);
		REQUIRE(mkdir(ro, 0500) == 0);
		REQUIRE(h_manifest_write(ro, argc, argv, topo, set) == -EACCES);
		REQUIRE(rmdir(ro) == 0);
	}
	REQUIRE(t_count_entries(dir) == 1);
	/* No topology or cpuset (before hwloc loaded): still a manifest. */
	REQUIRE(h_manifest_write(dir, 0, NULL, NULL, NULL) == 0);
	text = t_read_file(path);
	REQUIRE(text && strstr(text, "\"topology\": null") && strstr(text, "\"command_line\": []"));
	free(text);

	REQUIRE(h_manifest_write(dir, argc, argv, topo, set) == 0);
	int py = python_check(path, u.release, argc, argv);

	unlink(path);
	rmdir(dir);
	hwloc_bitmap_free(set);
	hwloc_topology_destroy(topo);
	if (py == 127) {
		fprintf(stderr, "unit_manifest: python3 not found, JSON validity not checked: skip\n");
		return 77;
	}
	REQUIRE(py == 0);
	return 0;
}
