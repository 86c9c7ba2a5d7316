#define _GNU_SOURCE
#include "CSpawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

// Runs in the vfork child: only system calls, no allocation, no locks. The
// parent thread is suspended until exec succeeds or the child exits, so the
// error slots are written through shared memory.
static void run_child(const emu_spawn_request *r, pid_t parent, volatile int *err, const char *volatile *step) {
    // Raw system calls: glibc's wrappers synchronise credentials across the
    // parent's threads, which must not happen from a vfork child.
    if (r->switch_user) {
        if (syscall(SYS_setgroups, 1, &r->gid) != 0) { *err = errno; *step = "setgroups"; _exit(127); }
        if (syscall(SYS_setresgid, r->gid, r->gid, r->gid) != 0) { *err = errno; *step = "setgid"; _exit(127); }
        if (syscall(SYS_setresuid, r->uid, r->uid, r->uid) != 0) { *err = errno; *step = "setuid"; _exit(127); }
    }
    // After any credential change: changing credentials clears the setting.
    if (r->parent_death_signal != 0) {
        if (prctl(PR_SET_PDEATHSIG, r->parent_death_signal) != 0) { *err = errno; *step = "prctl"; _exit(127); }
        if (getppid() != parent) { _exit(127); }  // the parent died before prctl took effect
    }
    if (r->new_process_group && setpgid(0, 0) != 0) { *err = errno; *step = "setpgid"; _exit(127); }
    if (r->working_directory != NULL && chdir(r->working_directory) != 0) { *err = errno; *step = "chdir"; _exit(127); }
    if (dup2(r->stdin_fd, 0) < 0 || dup2(r->stdout_fd, 1) < 0 || dup2(r->stderr_fd, 2) < 0) {
        *err = errno; *step = "dup2"; _exit(127);
    }
    if (syscall(SYS_close_range, 3U, ~0U, 0) != 0) {
        for (int fd = 3; fd < 65536; fd++) close(fd);
    }
    // Default dispositions first, then unblock: no inherited handler can run here.
    for (int s = 1; s < NSIG; s++) {
        if (s != SIGKILL && s != SIGSTOP) signal(s, SIG_DFL);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(r->path, r->argv, r->envp);
    *err = errno;
    *step = "execve";
    _exit(127);
}

pid_t emu_spawn(const emu_spawn_request *request, int *error_number, const char **failed_step) {
    volatile int err = 0;
    const char *volatile step = NULL;
    pid_t parent = getpid();
    pid_t pid = vfork();
    if (pid == 0) {
        run_child(request, parent, &err, &step);
    }
    if (pid < 0) {
        *error_number = errno;
        *failed_step = "vfork";
        return -1;
    }
    if (err != 0) {
        int status;
        waitpid(pid, &status, 0);
        *error_number = err;
        *failed_step = step;
        return -1;
    }
    return pid;
}

int emu_pidfd_open(pid_t pid) {
    return (int)syscall(SYS_pidfd_open, pid, 0);
}
