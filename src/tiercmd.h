/* tiercmd.h - the `tier` command and how the command layer words a
 * module's tier (tier2.h is the engine)
 *
 * Strings returned are static or written into the caller's buffer; ctx is
 * borrowed for the call.
 */
#ifndef HR_TIERCMD_H
#define HR_TIERCMD_H

#include <stddef.h>

#include "ctx.h"

/* tier [auto|wait|off|fast|exact|-v]: show or set the tier-up settings,
 * or print the log of tier-2 compiles. */
int hr_tier_cmd(struct hr_ctx *ctx, int argc, char **argv);

/* What a result line adds for a run of m's code: "" at tier 1,
 * "optimised" or "optimised, fast math" at tier 2 (static strings). */
const char *hr_tier_word(const struct hr_module *m);

/* m's tier for `list`, e.g. "optimised 12:00:01, 95 ms after the
 * reload", "tier 1, optimising", "tier 1 (tier 2 failed: tier -v says
 * why)" or "tier 1", into buf. */
void hr_tier_describe(const struct hr_module *m, char *buf, size_t len);

#endif
