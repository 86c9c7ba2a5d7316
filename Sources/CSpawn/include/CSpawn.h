#ifndef CSPAWN_H
#define CSPAWN_H

#include <sys/types.h>

/// Everything the child needs between fork and exec. All pointers must stay
/// valid until `emu_spawn` returns.
typedef struct {
    const char *path;
    char *const *argv;
    char *const *envp;
    /// NULL keeps the parent's working directory.
    const char *working_directory;
    int stdin_fd;
    int stdout_fd;
    int stderr_fd;
    /// Non-zero: the child leads a process group of its own.
    int new_process_group;
    /// Signal delivered to the child when the spawning thread dies (0: none).
    int parent_death_signal;
    /// Non-zero: switch to `uid`/`gid` before exec.
    int switch_user;
    uid_t uid;
    gid_t gid;
} emu_spawn_request;

/// Starts a child with vfork semantics. Returns its pid, or -1 with
/// `*error_number` set (and `*failed_step` naming the step that failed).
pid_t emu_spawn(const emu_spawn_request *request, int *error_number, const char **failed_step);

/// pidfd_open(2): a descriptor that becomes readable when `pid` exits.
int emu_pidfd_open(pid_t pid);

/// epoll_create1(EPOLL_CLOEXEC).
int emu_epoll_create(void);

/// Watches `fd` for readability (level-triggered).
int emu_epoll_add(int epoll_fd, int fd);

/// Stops watching `fd`.
int emu_epoll_remove(int epoll_fd, int fd);

/// Waits for readable descriptors and writes up to `capacity` of them to
/// `ready`. Returns their count, or -1 with errno set.
int emu_epoll_wait(int epoll_fd, int *ready, int capacity);

/// A non-blocking, close-on-exec eventfd(2) used to wake the launcher thread.
int emu_eventfd(void);

/// pipe2(2) with O_CLOEXEC.
int emu_pipe(int fds[2]);

#endif
