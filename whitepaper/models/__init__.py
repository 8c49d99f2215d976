"""ORM classes, one module per aggregate (not to be confused with the ILPES planning models,
which are PlanningModel rows whose content comes from criteria/)."""
from .audit import AuditEvent
from .catalogue import (DIMENSION_KEYS, MODEL_KEYS, Alert, CatalogueVersion, Criterion, Dimension, Element, Level,
                        PlanningModel)
from .user import (ROLES, SUBREGIONS, ActionToken, ApiToken, Country, LoginAttempt, Organization, OutboxMessage,
                   ThrottleBucket, User, UserRole)

__all__ = ["DIMENSION_KEYS", "MODEL_KEYS", "Alert", "CatalogueVersion", "Criterion", "Dimension", "Element",
           "Level", "PlanningModel", "ROLES", "SUBREGIONS", "ActionToken", "ApiToken", "AuditEvent", "Country", "LoginAttempt",
           "Organization", "OutboxMessage", "ThrottleBucket", "User", "UserRole"]

from .delphi import (Answer, Code, Codebook, Coding, Committee, Item, ItemSource, Membership,  # noqa: E402
                     Pseudonym, Response, Round, UncodableMark)

__all__ += ["Answer", "Code", "Codebook", "Coding", "Committee", "Item", "ItemSource", "Membership", "Pseudonym",
            "Response", "Round", "UncodableMark"]

from .assessment import (Assessment, AssessmentParticipant, AssessmentReview, ElementMark,  # noqa: E402
                         Evidence, GroupElementMark, GroupRating, ImprovementAction, Rating, WorkshopGroup)

__all__ += ["Assessment", "AssessmentParticipant", "AssessmentReview", "ElementMark", "Evidence", "GroupElementMark",
            "GroupRating", "ImprovementAction", "Rating", "WorkshopGroup"]

from .job import JOB_STATUSES, Job  # noqa: E402

__all__ += ["JOB_STATUSES", "Job"]

from .ballot import Ballot, BallotEligibility, BallotItem, CommentResolution, Vote  # noqa: E402

__all__ += ["Ballot", "BallotEligibility", "BallotItem", "CommentResolution", "Vote"]

from .assignment import CountryAssignment  # noqa: E402

__all__ += ["CountryAssignment"]

from .revision import DataRevision  # noqa: E402

__all__ += ["DataRevision"]

from .fingerprint import AssessmentFingerprint  # noqa: E402

__all__ += ["AssessmentFingerprint"]

from .methods import MethodsText  # noqa: E402

__all__ += ["MethodsText"]

from .realtime import RealtimeSnapshot  # noqa: E402

__all__ += ["RealtimeSnapshot"]

from .double_coding import CodingSettlement, DoubleCoding, SecondCoding  # noqa: E402

__all__ += ["CodingSettlement", "DoubleCoding", "SecondCoding"]

from .suggestion import SuggestionDecision  # noqa: E402

__all__ += ["SuggestionDecision"]

from .moderation import CommentFlag, CommentHiding  # noqa: E402

__all__ += ["CommentFlag", "CommentHiding"]
