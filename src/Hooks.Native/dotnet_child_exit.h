/*
 * How a child with a running runtime ends. See dotnet_child_exit.c.
 */
#ifndef DOTNET_CHILD_EXIT_H
#define DOTNET_CHILD_EXIT_H

/* Called by dotnet_runtime.c right after the runtime started and Apache's signal handlers were
   restored: under prefork, wraps Apache's death-signal handlers so the death is noted. */
void dotnet_child_exit_runtime_started(void);

#endif /* DOTNET_CHILD_EXIT_H */
