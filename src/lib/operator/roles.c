/* roles.c: the table of roles and rights (roles.h). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "roles.h"

static const struct {
	const char *name;
	unsigned rights;
} roles[JPKI_ROLE_COUNT] = {
    [JPKI_ROLE_CLERK] = {"clerk", JPKI_RIGHT_SEARCH | JPKI_RIGHT_PROCEDURE | JPKI_RIGHT_REQUEST},
    [JPKI_ROLE_SUPERVISOR] = {"supervisor", JPKI_RIGHT_SEARCH | JPKI_RIGHT_PROCEDURE |
                                                JPKI_RIGHT_REQUEST | JPKI_RIGHT_APPROVE |
                                                JPKI_RIGHT_AUDIT},
    [JPKI_ROLE_CA_OFFICER] = {"ca-officer",
                              JPKI_RIGHT_CA_OPERATION | JPKI_RIGHT_OPERATORS | JPKI_RIGHT_AUDIT},
    [JPKI_ROLE_AUDITOR] = {"auditor", JPKI_RIGHT_AUDIT},
};

static const char *const right_names[] = {"search",       "procedure", "request", "approve",
                                          "ca-operation", "operators", "audit"};

const char *jpki_role_name(enum jpki_role r)
{
	return (unsigned)r < JPKI_ROLE_COUNT ? roles[r].name : "?";
}

const char *jpki_right_name(enum jpki_right right)
{
	for (size_t i = 0; i < sizeof(right_names) / sizeof(right_names[0]); i++)
		if ((unsigned)right == 1u << i)
			return right_names[i];
	return "?";
}

bool jpki_role_parse(const char *s, enum jpki_role *out)
{
	for (int r = 0; s && r < JPKI_ROLE_COUNT; r++)
		if (strcmp(s, roles[r].name) == 0) {
			*out = (enum jpki_role)r;
			return true;
		}
	return false;
}

bool jpki_role_may(enum jpki_role r, enum jpki_right right)
{
	return (unsigned)r < JPKI_ROLE_COUNT && (roles[r].rights & (unsigned)right) != 0;
}

void jpki_role_rights(enum jpki_role r, char *buf, size_t cap)
{
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(right_names) / sizeof(right_names[0]); i++)
		if (jpki_role_may(r, (enum jpki_right)(1u << i)) && n < cap)
			n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? ", " : "",
			                      right_names[i]);
}
