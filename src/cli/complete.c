/* complete.c - what the word at the cursor can become (Tab at the prompt) */
#include "complete.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "words.h"
#include "view.h"

/* Candidates being gathered; only those starting with prefix are kept. */
struct cands {
    struct hr_completion *c;
    const char *prefix;
    int failed;
};

static void add(struct cands *k, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void add(struct cands *k, const char *fmt, ...)
{
    struct hr_completion *c = k->c;
    char **g = NULL;
    char *s = NULL;
    va_list ap;
    int n;
    int i;

    va_start(ap, fmt);
    n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0) {
        k->failed = 1;
        return;
    }
    if (strncmp(s, k->prefix, strlen(k->prefix)) != 0) {
        free(s);
        return;
    }
    for (i = 0; i < c->nwords; i++) {
        if (strcmp(c->words[i], s) == 0) {
            free(s);
            return;
        }
    }
    g = realloc(c->words, (size_t)(c->nwords + 2) * sizeof *g);
    if (g == NULL) {
        free(s);
        k->failed = 1;
        return;
    }
    c->words = g;
    c->words[c->nwords++] = s;
    c->words[c->nwords] = NULL;
}

static void add_list(struct cands *k, const char *const *words)
{
    for (; *words != NULL; words++)
        add(k, "%s", *words);
}

/* Task names; "FILE:" when no task starts with the prefix; "FILE:NAME"
 * forms once it has a ':'.  With file, only the tasks of that file. */
static void tasks(struct cands *k, const struct hr_cli *cli,
                  const char *file)
{
    const char *text = k->prefix;
    const char *colon = strrchr(text, ':');
    int n = hr_view_nmodules(cli);
    int i, j;

    for (i = 0; i < n; i++) {
        struct hr_module_info info;

        if (file != NULL &&
            !hr_view_module_matches(cli, i, file, strlen(file)))
            continue;
        hr_view_module_info(cli, i, &info);
        for (j = 0; j < info.ntasks; j++) {
            const char *t = hr_view_task_name(cli, i, j);

            if (colon == NULL)
                add(k, "%s", t);
            else if (hr_view_module_matches(cli, i, text,
                                               (size_t)(colon - text)))
                add(k, "%.*s:%s", (int)(colon - text), text, t);
        }
    }
    if (colon == NULL && file == NULL && k->c->nwords == 0) {
        for (i = 0; i < n; i++) {
            struct hr_module_info info;
            const char *base = NULL;

            hr_view_module_info(cli, i, &info);
            base = strrchr(info.path, '/');
            base = base != NULL ? base + 1 : info.path;
            add(k, "%s:", base);
            if (base != info.path)
                add(k, "%s:", info.path);
        }
    }
    if (file != NULL && k->c->nwords == 0)
        tasks(k, cli, NULL);
}

static void commands(struct cands *k)
{
    const struct hr_cmd *c = NULL;

    for (c = hr_cmd_table(); c->name != NULL; c++)
        add(k, "%s", c->name);
}

static void arrays(struct cands *k, const struct hr_cli *cli)
{
    int n = hr_view_narrays(cli);
    int i;

    for (i = 0; i < n; i++) {
        struct hr_array_info a;

        hr_view_array_info(cli, i, &a);
        add(k, "%s", a.name);
    }
}

/* Module paths for unload; file names when none matches. */
static void modules(struct cands *k, const struct hr_cli *cli)
{
    int n = hr_view_nmodules(cli);
    int i;

    for (i = 0; i < n; i++) {
        struct hr_module_info info;

        hr_view_module_info(cli, i, &info);
        add(k, "%s", info.path);
    }
    k->c->files = k->c->nwords == 0;
}

/* `load [NAME=]FILE [--dtype T --shape S [--order C|F]]` */
static void load(struct cands *k, const char *prev)
{
    static const char *const flags[] = { "--dtype", "--shape", "--order",
                                         NULL };
    static const char *const dtypes[] = { "float64", "float32", "float16",
        "int64", "int32", "int16", "int8", "uint64", "uint32", "uint16",
        "uint8", "bool", "complex128", "complex64", NULL };
    static const char *const orders[] = { "C", "F", NULL };

    if (strcmp(prev, "--dtype") == 0)
        add_list(k, dtypes);
    else if (strcmp(prev, "--order") == 0)
        add_list(k, orders);
    else if (strcmp(prev, "--shape") == 0)
        return;
    else if (k->prefix[0] == '-')
        add_list(k, flags);
    else
        k->c->files = 1;
}

/* What the word at hand completes to, from the words before it: words[0]
 * is the command, n the number of words before the one at hand. */
static void args(struct cands *k, const struct hr_cli *cli, char **words,
                 int n)
{
    static const char *const onoff[] = { "on", "off", NULL };
    static const char *const off[] = { "off", NULL };
    const struct hr_cmd *c = hr_cmd_lookup(words[0]);

    if (c == NULL)
        return;
    if (strcmp(c->name, "load") == 0) {
        load(k, words[n - 1]);
    } else if (strcmp(c->name, "run") == 0) {
        if (n == 1 || (n == 3 && strcmp(words[1], "-n") == 0))
            tasks(k, cli, NULL);
    } else if ((strcmp(c->name, "watch") == 0 ||
                strcmp(c->name, "do") == 0) && n == 2) {
        tasks(k, cli, words[1]);
    } else if ((strcmp(c->name, "save") == 0 && n >= 2) ||
               (strcmp(c->name, "plot") == 0 &&
                strcmp(words[n - 1], "--svg") == 0)) {
        k->c->files = 1;
    } else if (strcmp(c->name, "plot") == 0 && k->prefix[0] == '-') {
        static const char *const flags[] = { "--hist", "--svg", NULL };

        add_list(k, flags);
    } else if (strcmp(c->name, "plot") == 0 && n == 2 &&
               strcmp(words[1], "--hist") == 0) {
        arrays(k, cli);
    } else if (n != 1) {
        return;
    } else if (strcmp(c->name, "unload") == 0) {
        modules(k, cli);
    } else if (strcmp(c->name, "isolate") == 0) {
        add_list(k, onoff);
    } else if (strcmp(c->name, "timeout") == 0) {
        add_list(k, off);
    } else if (c->args == HR_ARG_FILE) {
        k->c->files = 1;
    } else if (c->args == HR_ARG_ARRAY) {
        arrays(k, cli);
    } else if (c->args == HR_ARG_COMMAND) {
        commands(k);
    }
}

int hr_complete(const struct hr_cli *cli, const char *before,
                const char *text, struct hr_completion *out)
{
    struct cands k = { out, text, 0 };
    size_t len = strlen(before);
    char **words = NULL;
    int n;

    memset(out, 0, sizeof *out);
    /* the word at hand may follow an opening quote */
    if (len > 0 && strchr("\"'", before[len - 1]) != NULL)
        len--;
    n = hr_words_split(before, len, &words, NULL);
    if (n == 0)
        commands(&k);
    else if (n > 0)
        args(&k, cli, words, n);
    if (n >= 0)
        hr_words_free(n, words);
    if (k.failed) {
        hr_completion_free(out);
        return HR_ENOMEM;
    }
    out->no_space = out->nwords == 1 && out->words[0][0] != '\0' &&
                    out->words[0][strlen(out->words[0]) - 1] == ':';
    return 0;
}

void hr_completion_free(struct hr_completion *c)
{
    int i;

    for (i = 0; i < c->nwords; i++)
        free(c->words[i]);
    free(c->words);
    memset(c, 0, sizeof *c);
}
