// nsenter.c runs before the Go runtime starts. See nsenter.go for why.
//
// Syscalls: setns(2), unshare(2), fork(2), waitpid(2), open(2), write(2),
// prctl(2) PR_SET_THP_DISABLE, clock_gettime(2).
// Man pages: setns(2), unshare(2), user_namespaces(7), time_namespaces(7),
// pid_namespaces(7), prctl(2), cgroups(7).
//
// The environment carries the request and is scrubbed before Go starts, so
// nothing leaks into processes the Go program starts later:
//
//   _NAKAMI_NSENTER_PID=1234            join these namespaces of process 1234,
//   _NAKAMI_NSENTER_TYPES=user,uts,...  in the order runc uses (user first);
//   _NAKAMI_UNSHARE_TIME=86400          create a time namespace whose boottime
//                                       clock runs 86400 s ahead, and enter it;
//   _NAKAMI_UNSHARE_CGROUP=1            create a cgroup namespace rooted here;
//   _NAKAMI_NO_THP=1                    no transparent huge pages for this
//                                       process and what it execs (below);
//   _NAKAMI_CGROUP_TASKS=F1\nF2...      cgroup v1 "tasks" files to write "0"
//                                       into, first of all (below).
//
// A failure is kept in nakami_nsenter_err ("setns(user): Operation not
// permitted") for the Go side to turn into one sentence; the process then
// carries on in the namespaces it had reached, and the Go side stops it.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef PR_SET_THP_DISABLE
#define PR_SET_THP_DISABLE 41
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

struct nakami_ns {
	const char *name;
	int flag;
};

// Joining order: user first, so that an unprivileged caller gains the
// capabilities it needs in the target's user namespace for the rest; mnt late
// because it changes how later /proc paths resolve (the fds are opened first
// anyway); pid and time last, since they only take effect for children (pid)
// or need every other change already made (time).
static const struct nakami_ns nakami_order[] = {
	{"user", CLONE_NEWUSER}, {"ipc", CLONE_NEWIPC},	  {"uts", CLONE_NEWUTS},
	{"net", CLONE_NEWNET},	 {"cgroup", CLONE_NEWCGROUP}, {"pid", CLONE_NEWPID},
	{"mnt", CLONE_NEWNS},	 {"time", CLONE_NEWTIME},
};
#define NAKAMI_NTYPES (sizeof(nakami_order) / sizeof(nakami_order[0]))

char nakami_nsenter_err[256];

// What the cgroup placement took, per tasks file, for the transcript.
#define NAKAMI_MAXTASKS 8
long long nakami_tasks_ns[NAKAMI_MAXTASKS];
int nakami_tasks_done;

static void nakami_fail(const char *what, int err)
{
	snprintf(nakami_nsenter_err, sizeof(nakami_nsenter_err), "%s: %s", what, strerror(err));
}

static int nakami_wants(const char *types, const char *name)
{
	size_t n = strlen(name);
	const char *p = types;
	while (p && *p) {
		if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return 1;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return 0;
}

// nakami_same reports whether the target namespace is the one we are in:
// setns(2) into one's own user namespace fails with EINVAL, so skip it.
static int nakami_same(int fd, const char *name)
{
	char self[64];
	struct stat a, b;
	snprintf(self, sizeof(self), "/proc/self/ns/%s", name);
	if (fstat(fd, &a) < 0 || stat(self, &b) < 0)
		return 0;
	return a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

// nakami_forward waits for the child that carries on in the new PID
// namespace and leaves with its status, so callers see one process.
static void nakami_forward(pid_t child)
{
	int status;
	while (waitpid(child, &status, 0) < 0) {
		if (errno != EINTR)
			_exit(3);
	}
	if (WIFEXITED(status))
		_exit(WEXITSTATUS(status));
	signal(WTERMSIG(status), SIG_DFL);
	raise(WTERMSIG(status));
	_exit(128 + WTERMSIG(status));
}

static void nakami_join(const char *pid, const char *types)
{
	int fds[NAKAMI_NTYPES];
	int joined_pid = 0;
	char path[128];

	for (size_t i = 0; i < NAKAMI_NTYPES; i++) {
		fds[i] = -1;
		if (!nakami_wants(types, nakami_order[i].name))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/%s", pid, nakami_order[i].name);
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0) {
			nakami_fail(path, errno);
			goto out;
		}
	}
	for (size_t i = 0; i < NAKAMI_NTYPES; i++) {
		if (fds[i] < 0)
			continue;
		if (nakami_order[i].flag == CLONE_NEWUSER && nakami_same(fds[i], "user"))
			continue;
		if (setns(fds[i], nakami_order[i].flag) < 0) {
			snprintf(path, sizeof(path), "setns(%s)", nakami_order[i].name);
			nakami_fail(path, errno);
			goto out;
		}
		if (nakami_order[i].flag == CLONE_NEWPID)
			joined_pid = 1;
	}
	if (joined_pid) {
		// setns(CLONE_NEWPID) changes only pid_for_children: this process
		// keeps its PID, so fork once and let the child be the one inside.
		pid_t child = fork();
		if (child < 0) {
			nakami_fail("fork", errno);
			goto out;
		}
		if (child > 0)
			nakami_forward(child);
	}
out:
	for (size_t i = 0; i < NAKAMI_NTYPES; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static long long nakami_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

// nakami_place moves this process into its cgroup v1 groups by writing "0"
// (the writing thread) into each hierarchy's tasks file. Here, before the Go
// runtime starts, the process has one thread, so that moves all of it, and
// every thread the runtime starts later is born inside. The kernel migrates
// a single thread that writes "0" without taking cgroup_threadgroup_rwsem
// for writing; a write of a PID to cgroup.procs takes it and waits for an
// RCU grace period (5-30 ms here) first. files is changed in place.
static void nakami_place(char *files)
{
	char *save = NULL;
	for (char *f = strtok_r(files, "\n", &save); f; f = strtok_r(NULL, "\n", &save)) {
		long long start = nakami_now();
		int fd = open(f, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "0", 1) != 1) {
			char what[300];
			snprintf(what, sizeof(what), "write(\"%s\", \"0\")", f);
			nakami_fail(what, errno);
			if (fd >= 0)
				close(fd);
			return;
		}
		close(fd);
		if (nakami_tasks_done < NAKAMI_MAXTASKS)
			nakami_tasks_ns[nakami_tasks_done] = nakami_now() - start;
		nakami_tasks_done++;
	}
}

static void nakami_unshare(const char *boottime, const char *cgroup)
{
	if (cgroup && unshare(CLONE_NEWCGROUP) < 0) {
		nakami_fail("unshare(CLONE_NEWCGROUP)", errno);
		return;
	}
	if (!boottime)
		return;
	if (unshare(CLONE_NEWTIME) < 0) {
		nakami_fail("unshare(CLONE_NEWTIME)", errno);
		return;
	}
	// Offsets can be written only while no process is inside the new
	// namespace: now, before we enter it through time_for_children.
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "boottime %s 0\n", boottime);
	int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, buf, n) != n) {
		nakami_fail("write /proc/self/timens_offsets", errno);
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	fd = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWTIME) < 0)
		nakami_fail("setns(time_for_children)", errno);
	if (fd >= 0)
		close(fd);
}

__attribute__((constructor)) static void nakami_nsenter(void)
{
	const char *pid = getenv("_NAKAMI_NSENTER_PID");
	const char *types = getenv("_NAKAMI_NSENTER_TYPES");
	const char *boottime = getenv("_NAKAMI_UNSHARE_TIME");
	const char *cgroup = getenv("_NAKAMI_UNSHARE_CGROUP");
	const char *tasks = getenv("_NAKAMI_CGROUP_TASKS");

	if (tasks) {
		// Into the group before anything else, so that nothing this
		// process does is accounted outside it.
		char *files = strdup(tasks);
		unsetenv("_NAKAMI_CGROUP_TASKS");
		if (!files) {
			nakami_fail("strdup", ENOMEM);
			return;
		}
		nakami_place(files);
		free(files);
		if (nakami_nsenter_err[0])
			return;
	}
	if (getenv("_NAKAMI_NO_THP")) {
		// A child placed in a memory group: with transparent huge pages
		// "always" (Debian's default) the Go runtime's first touches of its
		// heap and stacks are charged 2 MiB at a time, and a child needed
		// 13 MB before its workload began, more than the article's 10 MB
		// limit. The flag is inherited by fork(2) and kept across
		// execve(2), so the workload runs on 4 KiB pages too. Kernels
		// before 3.15 refuse it; they are charged as before.
		unsetenv("_NAKAMI_NO_THP");
		prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
	}
	if (!pid && !boottime && !cgroup)
		return;
	// Copy first: unsetenv may reuse the strings' slots.
	char pidbuf[32] = "", typebuf[128] = "", bootbuf[32] = "";
	if (pid)
		snprintf(pidbuf, sizeof(pidbuf), "%s", pid);
	if (types)
		snprintf(typebuf, sizeof(typebuf), "%s", types);
	if (boottime)
		snprintf(bootbuf, sizeof(bootbuf), "%s", boottime);
	unsetenv("_NAKAMI_NSENTER_PID");
	unsetenv("_NAKAMI_NSENTER_TYPES");
	unsetenv("_NAKAMI_UNSHARE_TIME");
	unsetenv("_NAKAMI_UNSHARE_CGROUP");

	if (boottime || cgroup)
		nakami_unshare(boottime ? bootbuf : NULL, cgroup);
	if (pid)
		nakami_join(pidbuf, typebuf);
}
