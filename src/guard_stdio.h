/* guard_stdio.h - release the stdio locks a dead task call left held
 *
 * Private to guard.c.  Owns nothing: it checks the standard streams from a
 * short-lived helper thread that it joins before returning.
 */
#ifndef HR_GUARD_STDIO_H
#define HR_GUARD_STDIO_H

/* Releases the locks of stdin, stdout and stderr if the dead call held
 * them (the task was stopped inside printf()); no task code may run now. */
void hr_guard_stdio_repair(void);

#endif
