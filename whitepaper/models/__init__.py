"""ORM classes, one module per aggregate (not to be confused with the ILPES planning models,
which are PlanningModel rows whose content comes from criteria/)."""
from .audit import AuditEvent
from .catalogue import (DIMENSION_KEYS, MODEL_KEYS, Alert, CatalogueVersion, Criterion, Dimension, Element, Level,
                        PlanningModel)
from .user import (ROLES, SUBREGIONS, ActionToken, ApiToken, Country, LoginAttempt, Organization, OutboxMessage,
                   User, UserRole)

__all__ = ["DIMENSION_KEYS", "MODEL_KEYS", "Alert", "CatalogueVersion", "Criterion", "Dimension", "Element",
           "Level", "PlanningModel", "ROLES", "SUBREGIONS", "ActionToken", "ApiToken", "AuditEvent", "Country", "LoginAttempt",
           "Organization", "OutboxMessage", "User", "UserRole"]
