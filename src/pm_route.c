
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <string.h>

#include "pm_registry.h"
#include "pm_route.h"
#include "pm_text.h"


static int pm_route_segment(const char **p, const char *end,
    const char **seg, size_t *len);
static int pm_route_word(const char *seg, size_t len, int v2,
    pm_route_t *route, size_t *n);
static void pm_route_models(const char *p, const char *end, int v2,
    pm_route_t *route);
static int pm_route_verb(const char *seg, size_t len, pm_route_t *route);


/* the next path segment; 0 at the end of the path */

static int
pm_route_segment(const char **p, const char *end, const char **seg,
    size_t *len)
{
    const char  *s;

    while (*p < end && **p == '/') {
        (*p)++;
    }

    if (*p == end) {
        return 0;
    }

    s = *p;

    while (*p < end && **p != '/') {
        (*p)++;
    }

    *seg = s;
    *len = (size_t) (*p - s);

    return 1;
}


/* "NAME:predict" and the like: the verb after the colon */

static int
pm_route_verb(const char *seg, size_t len, pm_route_t *route)
{
    size_t  i;

    static const struct {
        const char  *verb;
        int          kind;
    } verbs[] = {
        { ":predict", PM_ROUTE_V1_PREDICT },
        { ":classify", PM_ROUTE_V1_CLASSIFY },
        { ":regress", PM_ROUTE_V1_REGRESS },
    };

    for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
        if (len == strlen(verbs[i].verb)
            && memcmp(seg, verbs[i].verb, len) == 0)
        {
            route->kind = verbs[i].kind;
            route->post = 1;
            return 1;
        }
    }

    return 0;
}


/* "NAME" or "V", and for TF Serving a ":verb" after it; 0 if not valid */

static int
pm_route_word(const char *seg, size_t len, int v2, pm_route_t *route,
    size_t *n)
{
    const char  *colon;

    colon = v2 ? NULL : memchr(seg, ':', len);
    *n = (colon != NULL) ? (size_t) (colon - seg) : len;

    return colon == NULL || pm_route_verb(colon, len - *n, route);
}


/* after "models": NAME[/versions/V][/metadata | /ready | /infer | :verb] */

static void
pm_route_models(const char *p, const char *end, int v2, pm_route_t *route)
{
    long         v;
    char         num[16];
    size_t       len, n, more;
    const char  *seg, *next;

    if (!pm_route_segment(&p, end, &seg, &len)) {
        route->kind = v2 ? 0 : PM_ROUTE_V1_LIST;
        return;
    }

    route->kind = v2 ? PM_ROUTE_V2_META : PM_ROUTE_V1_STATUS;

    if (!pm_route_word(seg, len, v2, route, &n)) {
        route->kind = 0;
        return;
    }

    route->name = seg;
    route->name_len = n;

    if (!pm_route_segment(&p, end, &seg, &len)) {
        return;
    }

    if (route->post) {
        route->kind = 0;   /* a verb ends the path */
        return;
    }

    if (len == 8 && memcmp(seg, "versions", 8) == 0) {
        if (!pm_route_segment(&p, end, &seg, &len)
            || !pm_route_word(seg, len, v2, route, &n)
            || n == 0 || n >= sizeof(num) || seg[0] == '0')
        {
            route->kind = 0;
            return;
        }

        memcpy(num, seg, n);
        num[n] = '\0';

        if (pm_integer(num, 1, PM_MAX_VERSION, &v) != 0) {
            route->kind = 0;
            return;
        }

        route->version = v;

        if (!pm_route_segment(&p, end, &seg, &len)) {
            return;
        }

        if (route->post) {
            route->kind = 0;
            return;
        }
    }

    if (pm_route_segment(&p, end, &next, &more)) {
        route->kind = 0;
        return;
    }

    if (!v2 && len == 8 && memcmp(seg, "metadata", 8) == 0) {
        route->kind = PM_ROUTE_V1_META;

    } else if (v2 && len == 5 && memcmp(seg, "ready", 5) == 0) {
        route->kind = PM_ROUTE_V2_MREADY;

    } else if (v2 && len == 5 && memcmp(seg, "infer", 5) == 0) {
        route->kind = PM_ROUTE_V2_INFER;
        route->post = 1;

    } else {
        route->kind = 0;
    }
}


/*
 * The route of a request: PM_OK with route->kind 0 for a path that is no
 * route (a 404), PM_EMETHOD for a route that takes another method.
 */

int
pm_route_parse(int method, const char *path, size_t len, pm_route_t *route,
    pm_err_t *err)
{
    size_t       n, more;
    const char  *p, *end, *seg, *next;

    memset(route, 0, sizeof(pm_route_t));

    p = path;
    end = path + len;

    /* the first "v1" or "v2" segment: a location may sit below a prefix */

    while (pm_route_segment(&p, end, &seg, &n)) {
        if (n == 2 && seg[0] == 'v' && (seg[1] == '1' || seg[1] == '2')) {
            route->api = (seg[1] == '1') ? PM_API_V1 : PM_API_V2;
            break;
        }
    }

    if (route->api == PM_API_V1) {
        if (pm_route_segment(&p, end, &seg, &n) && n == 6
            && memcmp(seg, "models", 6) == 0)
        {
            pm_route_models(p, end, 0, route);
        }

    } else if (route->api == PM_API_V2) {
        if (!pm_route_segment(&p, end, &seg, &n)) {
            route->kind = PM_ROUTE_V2_SERVER;

        } else if (n == 6 && memcmp(seg, "health", 6) == 0) {
            if (pm_route_segment(&p, end, &seg, &n)
                && !pm_route_segment(&p, end, &next, &more))
            {
                if (n == 4 && memcmp(seg, "live", 4) == 0) {
                    route->kind = PM_ROUTE_V2_LIVE;

                } else if (n == 5 && memcmp(seg, "ready", 5) == 0) {
                    route->kind = PM_ROUTE_V2_READY;
                }
            }

        } else if (n == 6 && memcmp(seg, "models", 6) == 0) {
            pm_route_models(p, end, 1, route);
        }
    }

    if (route->kind == 0) {
        return PM_OK;
    }

    if (route->name != NULL
        && !pm_model_name_valid(route->name, route->name_len))
    {
        route->kind = 0;
        return PM_OK;
    }

    if (route->post ? method != PM_METHOD_POST
                    : method != PM_METHOD_GET && method != PM_METHOD_HEAD)
    {
        return pm_err_set(err, PM_EMETHOD, "this route takes %s",
                          route->post ? "POST" : "GET");
    }

    return PM_OK;
}
