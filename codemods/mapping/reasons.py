"""Every reason the tool gives for leaving a site to a person, as a template in one catalogue, and the
one exception that carries it.

A reason has a key (``"url-percent-r"``), the rule it reports under (a key of ``mapping.RULES``) and a
template whose fields the code that raises it fills (``Review("host-not-in-scope", name="host")``).
The README's table of reasons and SARIF's rule help read this catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final


@dataclass(frozen=True)
class Reason:
    """A reason for review: the rule it is reported under, and its message as a ``str.format`` template."""

    rule: str
    template: str


REASONS: Final[Mapping[str, Reason]] = MappingProxyType(
    {
        # data-gone-in-v2
        "field-without-v2": Reason(
            "data-gone-in-v2",
            "{field} of v1's answer is in no v2 answer: the code that reads it must do without it",
        ),
        # filter-without-v2
        "filter-gone": Reason(
            "filter-without-v2",
            "filter {v1} has no v2 equivalent: filter the records on {field} after fetching them, or drop it",
        ),
        # unsupported-argument
        "query-parameter-without-v2": Reason(
            "unsupported-argument", "query parameter {names} has no v2 equivalent"
        ),
        "header-not-sent": Reason("unsupported-argument", "header {names} is not sent by the helper"),
        "star-arguments": Reason("unsupported-argument", "the call passes *args or **kwargs"),
        "argument-without-helper-equivalent": Reason(
            "unsupported-argument", "argument {names} has no equivalent in the helper"
        ),
        "getter-passes-its-variables": Reason(
            "unsupported-argument", "{name}() passes {name2} from its own variables"
        ),
        # unsupported-credentials
        "filter-set-outside-call": Reason(
            "unsupported-credentials", "filter {names} is set outside the call"
        ),
        "pairs-unreadable": Reason(
            "unsupported-credentials", "the query parameters or headers: {expr} cannot be read statically"
        ),
        "pairs-from-elsewhere": Reason(
            "unsupported-credentials",
            "the query parameters or headers: {name} (another module's or object's value) cannot be read statically",
        ),
        "pairs-double-star": Reason(
            "unsupported-credentials", "the query parameters or headers: a ** entry cannot be read statically"
        ),
        "pairs-not-pair": Reason(
            "unsupported-credentials", "the query parameters or headers: an entry is not a (key, value) pair"
        ),
        "pairs-dict-positional": Reason(
            "unsupported-credentials",
            "the query parameters or headers: dict(...) with positional arguments cannot be read statically",
        ),
        "pairs-not-literal": Reason(
            "unsupported-credentials",
            "the query parameters or headers: they are not a literal dict or tuple of pairs",
        ),
        "pairs-key-not-literal": Reason(
            "unsupported-credentials", "the query parameters or headers: a key is not a string literal"
        ),
        # unsupported-response-use
        "unpacked-or-stored": Reason(
            "unsupported-response-use", "{label} is unpacked or stored in an attribute"
        ),
        "sort-key-not-lambda": Reason(
            "unsupported-response-use", "{label} is sorted with a key that is not a one-argument lambda"
        ),
        "unpacked": Reason("unsupported-response-use", "{label} is unpacked into several names"),
        "key-not-in-helper-answer": Reason(
            "unsupported-response-use", "{label} has no key {key!r} in what the helper returns"
        ),
        "raise-for-status-value-used": Reason(
            "unsupported-response-use", "the value of raise_for_status() is used"
        ),
        "response-attribute-without-v2": Reason(
            "unsupported-response-use", "the response's .{attr} has no v2 equivalent in the helper"
        ),
        "status-compared-not-200": Reason(
            "unsupported-response-use", "the response's status code is compared to something other than 200"
        ),
        "status-in-elif": Reason("unsupported-response-use", "the response's status is tested in an elif"),
        "status-in-elif-chain": Reason(
            "unsupported-response-use", "the response's status is tested in an if/elif chain"
        ),
        "status-used-otherwise": Reason(
            "unsupported-response-use", "the response's status is used other than in an if or assert"
        ),
        "returned": Reason(
            "unsupported-response-use", "{label} is returned, so its readers elsewhere cannot be adapted"
        ),
        "yielded": Reason("unsupported-response-use", "{label} is yielded in a way the tool cannot follow"),
        "returned-by-public-function": Reason(
            "unsupported-response-use",
            "{label} is returned by {label2}(), which other modules may call: adapt its callers",
        ),
        "returned-not-part-of-answer": Reason(
            "unsupported-response-use", "{label} is returned by {label2}(), and is not part of the v1 answer"
        ),
        "returned-callers-not-found": Reason(
            "unsupported-response-use", "{label} is returned by {name}(), whose callers cannot be found"
        ),
        "returned-function-not-called": Reason(
            "unsupported-response-use", "{label} is returned by {name}(), which is used other than by a call"
        ),
        "returned-method-not-called": Reason(
            "unsupported-response-use", "{label} is returned by {label2}(), used other than by a call"
        ),
        "assigned-not-to-a-name": Reason(
            "unsupported-response-use",
            "{label} is unpacked, stored in an attribute or assigned to several names",
        ),
        "stored-not-in-dict-variable": Reason(
            "unsupported-response-use", "{label} is stored in an item of something other than a dict variable"
        ),
        "stored-in-dict-not-empty": Reason(
            "unsupported-response-use", "{label} is stored in {name}, which is not a dict made empty for it"
        ),
        "dict-holds-other-values": Reason(
            "unsupported-response-use", "{name} holds other values than {label}"
        ),
        "list-holds-other-values": Reason(
            "unsupported-response-use", "{name} is appended other values than {label}, or changed otherwise"
        ),
        "assigned-readers-not-found": Reason(
            "unsupported-response-use", "{label} is assigned to {target}, whose readers cannot be found"
        ),
        "with-several-items": Reason(
            "unsupported-response-use", "the call opens a with statement of several items"
        ),
        "wrapper-returns-unknown-value": Reason(
            "unsupported-response-use", "{name}() returns a value the tool does not know"
        ),
        "passed-to-function": Reason(
            "unsupported-response-use", "{label} is passed to {name}(), which the tool cannot adapt"
        ),
        "passed-to-parameter-unmatched": Reason(
            "unsupported-response-use", "{label} is passed to {name}() in a parameter the tool cannot match"
        ),
        "passed-to-parameter-callers-disagree": Reason(
            "unsupported-response-use",
            "{label} is passed to {name}(), which {caller} calls with another value in that parameter",
        ),
        "passed-to-parameter-shapes-differ": Reason(
            "unsupported-response-use",
            "{label} is passed to {name}(), whose callers pass values of other shapes",
        ),
        "passed-to-function-not-only-called": Reason(
            "unsupported-response-use",
            "a v1 value is passed to {name}(), which is used otherwise than called",
        ),
        "used-other-way": Reason(
            "unsupported-response-use", "{label} is used in a way the tool cannot adapt"
        ),
        "then-fields-renamed": Reason("unsupported-response-use", "; its fields are renamed in v2"),
        "then-answer-itself": Reason("unsupported-response-use", "; in v2 the answer is {answer} itself"),
        "passed-into-blocked": Reason(
            "unsupported-response-use",
            "a v1 value is passed to {name}(), which cannot be adapted for it ({where}: {problem}); migrate that code by hand, then run again",
        ),
        "passed-into-other-module": Reason(
            "unsupported-response-use",
            "{label} is passed to {name}() of another module, which is followed only when every PATH is a directory",
        ),
        "wrapper-blocked": Reason(
            "unsupported-response-use",
            "{name}() returns v1 data to a caller that cannot be adapted ({where}: {problem}); migrate that caller by hand, then run again",
        ),
        "wrapper-name-unknown": Reason(
            "unsupported-response-use",
            "{label} is returned by {name}(), whose callers cannot be found by its name: declare it under [tool.migrate-360learning] wrappers",
        ),
        "read-through-annotation": Reason(
            "unsupported-response-use", "{name} is read through a string annotation"
        ),
        "bound-by-two-clauses": Reason(
            "unsupported-response-use", "{name} is bound by two clauses of one comprehension"
        ),
        "assigned-more-than-once": Reason(
            "unsupported-response-use", "{name} is assigned more than once where it is read"
        ),
        # unsupported-url
        "url-without-host": Reason("unsupported-url", "the URL has no host (a path relative to a base URL)"),
        "host-not-in-scope": Reason(
            "unsupported-url", "the URL's host reads {name}, which is not in scope at the call"
        ),
        "url-bytes": Reason("unsupported-url", "the URL is a bytes literal"),
        "urljoin-relative-path": Reason("unsupported-url", "urljoin() is given a path that is not absolute"),
        "url-format-spec": Reason(
            "unsupported-url", "the URL formats a value with a conversion or format spec"
        ),
        "url-format-star-arguments": Reason("unsupported-url", "the URL is formatted with *args or **kwargs"),
        "url-format-too-few-arguments": Reason(
            "unsupported-url", "the URL's .format() has fewer arguments than fields"
        ),
        "url-format-field-unread": Reason(
            "unsupported-url", "the URL's .format() field {{{field}}} cannot be read"
        ),
        "url-percent-starred-tuple": Reason("unsupported-url", "the URL is %-formatted with a starred tuple"),
        "url-percent-dict-unread": Reason(
            "unsupported-url", "the URL is %-formatted with a dict that cannot be read"
        ),
        "url-percent-r": Reason("unsupported-url", "the URL formats a value with %r"),
        "url-percent-key-unread": Reason("unsupported-url", "the URL's %-format key cannot be read"),
        "url-percent-too-few-values": Reason(
            "unsupported-url", "the URL's %-format has fewer values than fields"
        ),
        "url-percent-composite-value": Reason(
            "unsupported-url", "a %-formatted value of the URL is itself a composite string"
        ),
        "url-query-unread": Reason("unsupported-url", "the URL's query string cannot be read"),
        "host-computed-elsewhere": Reason(
            "unsupported-url",
            "the URL's host is {code}, computed in module {module}, which the call cannot read where it is: import the host, or migrate this call by hand",
        ),
        "url-function-other-module": Reason(
            "unsupported-url",
            "the URL comes from {name}() of module {module}: a URL function is read only in its own module; build the URL where the call is, or migrate this call by hand",
        ),
        "url-function-more-than-return": Reason(
            "unsupported-url", "the URL comes from {name}(), whose body is more than a return statement"
        ),
        "url-function-parameters-unmatched": Reason(
            "unsupported-url", "the URL comes from {name}(), whose parameters cannot be matched to the call"
        ),
    }
)


class Review(Exception):
    """A site that must be left for a person: the key of its reason in ``REASONS``, the rule and the
    message; ``endpoint`` when the place that raised it knows which v1 endpoint the site calls."""

    def __init__(self, key: str, /, *, endpoint: str | None = None, **values: Any) -> None:
        reason = REASONS[key]
        self.key = key
        self.rule = reason.rule
        self.reason = reason.template.format(**values)
        self.endpoint = endpoint
        super().__init__(self.reason)

    @classmethod
    def told(cls, key: str, text: str, /) -> Review:
        """A reason of ``key`` whose message was already made from its template (and kept, as a
        wrapper's blocked reason is, across processes)."""
        review = cls.__new__(cls)
        review.key, review.rule, review.reason, review.endpoint = key, REASONS[key].rule, text, None
        Exception.__init__(review, text)
        return review

    def then(self, key: str, /, **values: Any) -> Review:
        """This reason followed by another one's text (``"; its fields are renamed in v2"``)."""
        self.reason += REASONS[key].template.format(**values)
        self.args = (self.reason,)
        return self
