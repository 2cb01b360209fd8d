"""All tables, imported here so `SQLModel.metadata` is complete for Alembic and tests."""

from mission_control.models.activity import Activity
from mission_control.models.agent import Agent, AgentCreate, AgentUpdate
from mission_control.models.api_key import ApiKey
from mission_control.models.audit import AuditEvent
from mission_control.models.base import (
    TASK_COLUMNS,
    ActorType,
    AgentStatus,
    DocumentType,
    DriverType,
    MessageType,
    Priority,
    TaskStatus,
    UserRole,
    utcnow,
)
from mission_control.models.browser_session import BrowserSession
from mission_control.models.document import Document, DocumentVersion
from mission_control.models.heartbeat import HeartbeatRun, HeartbeatTaskUsage, SchedulerLease
from mission_control.models.memory import MemoryItem
from mission_control.models.message import Message
from mission_control.models.notification import Notification
from mission_control.models.task import Task, TaskAssignee, TaskCreate, TaskDependency, TaskUpdate
from mission_control.models.user import User
from mission_control.models.webhook import Webhook, WebhookDelivery
from mission_control.models.working_state import WorkingStateVersion
from mission_control.models.workspace import Workspace

__all__ = [
    "TASK_COLUMNS",
    "Activity",
    "ActorType",
    "Agent",
    "AgentCreate",
    "AgentStatus",
    "AgentUpdate",
    "ApiKey",
    "AuditEvent",
    "BrowserSession",
    "Document",
    "DocumentType",
    "DocumentVersion",
    "DriverType",
    "HeartbeatRun",
    "HeartbeatTaskUsage",
    "MemoryItem",
    "Message",
    "MessageType",
    "Notification",
    "Priority",
    "SchedulerLease",
    "Task",
    "TaskAssignee",
    "TaskCreate",
    "TaskDependency",
    "TaskStatus",
    "TaskUpdate",
    "User",
    "UserRole",
    "Webhook",
    "WebhookDelivery",
    "Workspace",
    "WorkingStateVersion",
    "utcnow",
]
