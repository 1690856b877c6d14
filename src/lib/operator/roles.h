/*
 * roles.h: the counter's roles and what each may do, in one table
 * (roles.c; docs/operators.md restates it).  Menus and API calls offer
 * only what the role may do; the library checks it again.
 */
#ifndef JPKI_OPERATOR_ROLES_H
#define JPKI_OPERATOR_ROLES_H

#include <stdbool.h>

enum jpki_role {
	JPKI_ROLE_CLERK,
	JPKI_ROLE_SUPERVISOR,
	JPKI_ROLE_CA_OFFICER,
	JPKI_ROLE_AUDITOR,
	JPKI_ROLE_COUNT
};

enum jpki_right {
	JPKI_RIGHT_SEARCH = 1 << 0,       /* search residents, with a purpose code */
	JPKI_RIGHT_PROCEDURE = 1 << 1,    /* run the counter's procedures */
	JPKI_RIGHT_REQUEST = 1 << 2,      /* ask for what needs four eyes */
	JPKI_RIGHT_APPROVE = 1 << 3,      /* approve another's counter request */
	JPKI_RIGHT_CA_OPERATION = 1 << 4, /* ask for and approve CA operations */
	JPKI_RIGHT_OPERATORS = 1 << 5,    /* create and disable operators */
	JPKI_RIGHT_AUDIT = 1 << 6,        /* read and verify the audit log */
};

const char *jpki_role_name(enum jpki_role r);
/* "search", "procedure", ... for one right; "?" for anything else. */
const char *jpki_right_name(enum jpki_right right);
/* "clerk", "supervisor", "ca-officer", "auditor"; false for anything else. */
bool jpki_role_parse(const char *s, enum jpki_role *out);
bool jpki_role_may(enum jpki_role r, enum jpki_right right);
/* The rights of r, for people: "search, procedure, request". */
void jpki_role_rights(enum jpki_role r, char *buf, size_t cap);

#endif
