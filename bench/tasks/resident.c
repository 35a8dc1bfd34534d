/* resident.c - the bench's start-up probes
 *
 *   run count        a->size: answers without touching the data
 *   run full_sum     hr_sum(a): the first full pass over the data
 */
#include "hotrun.h"

double count(const struct hr_array *a)
{
    return (double)a->size;
}

double full_sum(const struct hr_array *a)
{
    return hr_sum(a);
}
