/* view.c - what the front ends know of the session, local or remote */
#include "view.h"

#include <stdlib.h>
#include <string.h>

#include "remote.h"

static const struct hr_wire_state *st(const struct hr_cli *cli)
{
    return hr_remote_state(cli->remote);
}

int hr_view_narrays(const struct hr_cli *cli)
{
    if (cli->remote == NULL)
        return hr_session_narrays(cli->s);
    return st(cli)->narrays;
}

int hr_view_find_array(const struct hr_cli *cli, const char *name)
{
    int i;

    if (cli->remote == NULL)
        return hr_session_find_array(cli->s, name);
    for (i = 0; i < st(cli)->narrays; i++) {
        const struct hr_wire_array *a = &st(cli)->arrays[i];

        if (name == NULL ? a->is_default : strcmp(a->name, name) == 0)
            return i;
    }
    return -1;
}

int hr_view_array_info(const struct hr_cli *cli, int i,
                       struct hr_array_info *out)
{
    const struct hr_wire_array *a = NULL;

    if (cli->remote == NULL)
        return hr_session_array_info(cli->s, i, out);
    if (i < 0 || i >= st(cli)->narrays)
        return HR_ENOENT;
    a = &st(cli)->arrays[i];
    out->name = a->name;
    out->path = a->path;
    out->how = a->how;
    out->view = &a->view;
    out->is_default = a->is_default;
    out->load_ms = a->load_ms;
    return 0;
}

int hr_view_nmodules(const struct hr_cli *cli)
{
    if (cli->remote == NULL)
        return hr_session_nmodules(cli->s);
    return st(cli)->nmods;
}

int hr_view_find_module(const struct hr_cli *cli, const char *path)
{
    char *real = NULL;
    int i, found = -1;

    if (cli->remote == NULL)
        return hr_session_find_module(cli->s, path);
    real = realpath(path, NULL);
    for (i = 0; i < st(cli)->nmods && found < 0; i++) {
        const struct hr_wire_module *m = &st(cli)->mods[i];

        if (strcmp(m->path, path) == 0 ||
            (real != NULL && strcmp(m->realpath, real) == 0))
            found = i;
    }
    free(real);
    return found;
}

int hr_view_module_info(const struct hr_cli *cli, int i,
                        struct hr_module_info *out)
{
    const struct hr_wire_module *m = NULL;

    if (cli->remote == NULL)
        return hr_session_module_info(cli->s, i, out);
    if (i < 0 || i >= st(cli)->nmods)
        return HR_ENOENT;
    m = &st(cli)->mods[i];
    out->path = m->path;
    out->realpath = m->realpath;
    out->ntasks = m->ntasks;
    out->compile_ms = m->compile_ms;
    out->compiled_at = m->compiled_at;
    out->hash = m->hash;
    out->uses_libc = m->uses_libc;
    out->warnings = m->warnings;
    return 0;
}

const char *hr_view_task_name(const struct hr_cli *cli, int m, int t)
{
    if (cli->remote == NULL)
        return hr_session_task_name(cli->s, m, t);
    if (m < 0 || m >= st(cli)->nmods || t < 0 ||
        t >= st(cli)->mods[m].ntasks)
        return NULL;
    return st(cli)->mods[m].tasks[t];
}

int hr_view_module_matches(const struct hr_cli *cli, int m, const char *file,
                           size_t n)
{
    if (cli->remote == NULL)
        return hr_session_module_matches(cli->s, m, file, n);
    if (m < 0 || m >= st(cli)->nmods)
        return 0;
    return hr_module_path_matches(st(cli)->mods[m].path,
                                  st(cli)->mods[m].realpath, file, n);
}
