/*
 * proc.c -- the lab's processes: spawned into a node's namespace as a
 * session leader (so its whole process group can be signalled), logged in
 * the undo log by PID and start time before it may exec, and stopped by PID
 * (SIGTERM, then SIGKILL after a grace period). Never by name.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <sys/prctl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "p2ptrace/clock.h"
#include "lab/lab.h"

static int read_stat(pid_t pid, char *state, unsigned long long *start)
{
	char path[64], buf[1024], *p;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strrchr(buf, ')');
	if (!p)
		return -1;
	/* after ") ": field 3 is state, field 22 is starttime */
	if (sscanf(p + 2,
		   "%c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu",
		   state, start) != 2)
		return -1;
	return 0;
}

unsigned long long lab_proc_start(pid_t pid)
{
	char s;
	unsigned long long st = 0;

	if (read_stat(pid, &s, &st))
		return 0;
	return st;
}

int lab_proc_alive(pid_t pid, unsigned long long start)
{
	char s;
	unsigned long long st;

	if (pid <= 0 || read_stat(pid, &s, &st))
		return 0;
	if (start && st != start)
		return 0;
	return s != 'Z' && s != 'X';
}

static const char *const default_env[] = {
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"HOME=/nonexistent", "LANG=C", NULL
};

int lab_spawn(const struct lab_spawn *sp, pid_t *pidp, struct pt_err *err)
{
	int go[2];
	pid_t pid;
	char c = 1;

	if (pipe2(go, O_CLOEXEC))
		return pt_fail(err, PT_EIO, sp->argv[0], "pipe: %s",
			       strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(go[0]);
		close(go[1]);
		return pt_fail(err, PT_EIO, sp->argv[0], "fork: %s",
			       strerror(errno));
	}
	if (pid == 0) {
		int fd;

		close(go[1]);
		lab_cgroup_join_self();
		setsid();
		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		/* Wait until the parent has logged our PID; EOF means it died
		 * before: then nobody would know about us, so go. */
		if (read(go[0], &c, 1) != 1)
			_exit(126);
		if (sp->netns && lab_ns_enter(sp->netns))
			_exit(125);
		if (sp->cwd && chdir(sp->cwd))
			_exit(124);
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0) {
			dup2(fd, 0);
			close(fd);
		}
		fd = open(sp->out_path ? sp->out_path : "/dev/null",
			  O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			close(fd);
		}
		fd = open(sp->err_path ? sp->err_path : "/dev/null",
			  O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, 0644);
		if (fd >= 0) {
			dup2(fd, 2);
			close(fd);
		}
		if (sp->drop) {
			if (setgroups(0, NULL) || setgid(sp->gid) ||
			    setuid(sp->uid))
				_exit(123);
		}
		/* no setuid binary or file capability raises it again */
		if (sp->drop && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
			_exit(123);
		execvpe(sp->argv[0], sp->argv,
			sp->envp ? sp->envp : (char *const *)default_env);
		dprintf(2, "p2ptrace lab: exec %s: %s\n", sp->argv[0],
			strerror(errno));
		_exit(127);
	}
	close(go[0]);
	/* The start time is known once the child exists (it waits on go). */
	if (sp->state) {
		unsigned long long st = lab_proc_start(pid);

		if (sp->capture)
			lab_state_add(sp->state, "capture %d %llu", (int)pid,
				      st);
		else
			lab_state_add(sp->state, "proc %d %llu %s", (int)pid,
				      st, sp->node ? sp->node : "-");
	}
	if (write(go[1], &c, 1) != 1) {
		close(go[1]);
		return pt_fail(err, PT_EIO, sp->argv[0], "cannot start child");
	}
	close(go[1]);
	*pidp = pid;
	return 0;
}

static void reap(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

void lab_proc_stop(const pid_t *pids, const unsigned long long *starts,
		   unsigned n, unsigned grace_ms)
{
	unsigned waited = 0, left;

	for (unsigned i = 0; i < n; i++)
		if (lab_proc_alive(pids[i], starts ? starts[i] : 0)) {
			kill(-pids[i], SIGTERM);
			kill(pids[i], SIGTERM);
		}
	for (;;) {
		reap();
		left = 0;
		for (unsigned i = 0; i < n; i++)
			left += lab_proc_alive(pids[i], starts ? starts[i] : 0);
		if (!left || waited >= grace_ms)
			break;
		pt_sleep_ms(20);
		waited += 20;
	}
	if (!left)
		return;
	for (unsigned i = 0; i < n; i++)
		if (lab_proc_alive(pids[i], starts ? starts[i] : 0)) {
			kill(-pids[i], SIGKILL);
			kill(pids[i], SIGKILL);
		}
	for (waited = 0; waited < 2000; waited += 10) {
		reap();
		left = 0;
		for (unsigned i = 0; i < n; i++)
			left += lab_proc_alive(pids[i], starts ? starts[i] : 0);
		if (!left)
			break;
		pt_sleep_ms(10);
	}
}

/* Run argv, collect stdout+stderr into out; returns the exit status
 * (-1 when it could not run). */
int lab_run(char *const *argv, char *out, size_t len)
{
	int fds[2], st;
	size_t got = 0;
	pid_t pid;

	if (len)
		out[0] = 0;
	if (pipe2(fds, O_CLOEXEC))
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);

		if (nul >= 0)
			dup2(nul, 0);
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		execvp(argv[0], argv);
		dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		char buf[4096];
		ssize_t n = read(fds[0], buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (len && got < len - 1) {
			size_t c = (size_t)n < len - 1 - got ? (size_t)n
							     : len - 1 - got;

			memcpy(out + got, buf, c);
			got += c;
			out[got] = 0;
		}
	}
	close(fds[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
