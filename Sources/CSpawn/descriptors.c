#define _GNU_SOURCE
#include "CSpawn.h"

#include <stddef.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

int emu_epoll_create(void) {
    return epoll_create1(EPOLL_CLOEXEC);
}

int emu_epoll_add(int epoll_fd, int fd) {
    struct epoll_event event = {.events = EPOLLIN, .data = {.fd = fd}};
    return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event);
}

int emu_epoll_remove(int epoll_fd, int fd) {
    return epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, NULL);
}

int emu_epoll_wait(int epoll_fd, int *ready, int capacity) {
    struct epoll_event events[64];
    if (capacity > 64) capacity = 64;
    int count = epoll_wait(epoll_fd, events, capacity, -1);
    for (int i = 0; i < count; i++) ready[i] = events[i].data.fd;
    return count;
}

int emu_eventfd(void) {
    return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

int emu_pipe(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}
