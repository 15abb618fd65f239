"""/api/security/audit/messages: the administrative audit log (GET only).

ONTAP's log viewer (`security audit log show`): one record per change request the API
answered, written by the app after each POST, PATCH and DELETE
(:mod:`ontap_ipsec.domain.backends.audit`), kept in the database so that every worker and
server sharing it records into, and reads, the same log. A cluster account reads every
record; an SVM account (or a cluster account tunnelling into an SVM) its SVM's only.
"""

from __future__ import annotations

from ontap_ipsec.rest.reads import enable_reads
from ontap_ipsec.rest.resource import Resource, datetime_field, integer, string, uuid_field
from ontap_ipsec.store import views

APPLICATIONS = ("internal", "console", "rsh", "telnet", "ssh", "ontapi", "http", "system")

resource = Resource(
    name="security_audit_log",
    path="/api/security/audit/messages",
    key="index",
    view=views.AUDIT_MESSAGES,
    summary="The administrative audit log: the change requests the cluster answered.",
    tag="security",
    fields=[
        datetime_field("timestamp", default=True, description="Log entry timestamp."),
        string("node.name", default=True, description="The node that answered.",
               example="cluster1-01"),
        uuid_field("node.uuid", default=True, description="The node that answered."),
        integer(
            "index",
            default=True,
            description="Internal index ordering the records of the same node and time.",
        ),
        string("application", enum=APPLICATIONS,
               description="The application by which the request was processed."),
        string("location", description="The location of the remote user: an IP address."),
        string("user", description="Username of the remote user."),
        string("role", description="Role of the remote user."),
        string("input", description="The request: its method and target, never its body."),
        string("state", enum=("pending", "success", "error"),
               description="State of this request."),
        string("scope", enum=("svm", "cluster"),
               description='"svm" when the request was made on a data SVM, else "cluster".'),
        string("svm.name", description="The SVM through which the user connected."),
        string("session_id", description="The session the request was received on; each "
               "HTTP request is one."),
        string("command_id", description="The command of the session."),
        string("message", description="The error of a request that failed."),
    ],
)
enable_reads(resource, instance=False)
