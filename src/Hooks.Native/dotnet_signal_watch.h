#ifndef DOTNET_SIGNAL_WATCH_H
#define DOTNET_SIGNAL_WATCH_H

/* Points the runtime libraries' imports of sigaction and signal at counting wrappers (see
   dotnet_signal_watch.c). Called once, after the runtime started. Returns 1 when every runtime
   library was found and patched, 0 when the count cannot be trusted (then nothing relies on it). */
int dotnet_signal_watch_start(void);

/* 1 when dotnet_signal_watch_start succeeded. */
int dotnet_signal_watch_active(void);

/* How many handlers the runtime's libraries have installed since the watch started. */
unsigned long dotnet_signal_watch_installs(void);

#endif /* DOTNET_SIGNAL_WATCH_H */
