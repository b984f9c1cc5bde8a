/*
 * Whether a process has exited, for the code that keeps pids in memory other processes share
 * (the status page's child slots, the daemon supervisor's retired groups).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "mod_dotnet.h"

/* No such process, or a zombie its parent has not reaped yet (one killed a moment ago:
   kill(pid, 0) still succeeds on those). A process we may not signal counts as running. */
int dotnet_process_gone(pid_t pid)
{
    char path[32], stat[128];
    const char *state;
    ssize_t n;
    int fd;

    if (pid <= 0) {
        return 1;
    }
    if (kill(pid, 0) != 0) {
        return errno == ESRCH;
    }
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        return 0;
    }
    n = read(fd, stat, sizeof(stat) - 1);
    close(fd);
    if (n <= 0) {
        return 0;
    }
    stat[n] = '\0';
    /* "pid (comm) S ...": the state follows the last ')' (comm may hold parentheses). */
    state = strrchr(stat, ')');
    return state != NULL && state[1] == ' ' && (state[2] == 'Z' || state[2] == 'X');
}
