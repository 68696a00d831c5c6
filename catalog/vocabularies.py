"""Controlled vocabularies of publiccode.yml (../shared/standards/publiccode, CC0)."""

from __future__ import annotations

CATEGORIES = (
    "accounting agile-project-management applicant-tracking application-development "
    "appointment-scheduling backup billing-and-invoicing blog budgeting "
    "business-intelligence business-process-management cad call-center-management "
    "cloud-management collaboration communications compliance-management "
    "contact-management content-management crm customer-service-and-support "
    "data-analytics data-collection data-visualization design design-system "
    "digital-asset-management digital-citizenship document-management donor-management "
    "e-commerce e-signature educational-content email-management email-marketing "
    "employee-management enterprise-project-management enterprise-social-networking erp "
    "event-management facility-management feedback-and-reviews-management "
    "financial-reporting fleet-management fundraising gamification "
    "geographic-information-systems grant-management graphic-design help-desk hr ide "
    "identity-management instant-messaging integrated-library-system "
    "inventory-management it-asset-management it-development it-management it-security "
    "it-service-management knowledge-management learning-management-system marketing "
    "mind-mapping mobile-marketing mobile-payment network-management office "
    "online-booking online-community payment-gateway payroll predictive-analysis "
    "procurement productivity-suite project-collaboration project-management "
    "property-management real-estate-management regulations-and-directives "
    "remote-support resource-management sales-management seo service-desk "
    "social-media-management survey talent-management task-management taxes-management "
    "test-management time-management time-tracking translation video-conferencing "
    "video-editing visitor-management voip warehouse-management web-collaboration "
    "web-conferencing website-builder whistleblowing workflow-management other"
).split()

SCOPES = (
    "agriculture culture defence education emergency-services employment energy "
    "environment finance-and-economic-development foreign-affairs government healthcare "
    "infrastructures justice local-authorities manufacturing research "
    "science-and-technology security society sport tourism transportation welfare"
).split()

DEVELOPMENT_STATUSES = ("concept", "development", "beta", "stable", "obsolete")
MAINTENANCE_TYPES = ("internal", "contract", "community", "none")
SOFTWARE_TYPES = (
    "standalone/mobile",
    "standalone/iot",
    "standalone/desktop",
    "standalone/web",
    "standalone/backend",
    "standalone/other",
    "addon",
    "library",
    "configurationFiles",
)
PLATFORMS = ("web", "windows", "mac", "linux", "ios", "android")


def label(value: str) -> str:
    """'grant-management' → 'Grant management' (for facets and forms)."""
    return value.replace("-", " ").capitalize()


CATEGORY_CHOICES = [(c, label(c)) for c in CATEGORIES]
SCOPE_CHOICES = [(s, label(s)) for s in SCOPES]
PLATFORM_CHOICES = [(p, p.capitalize() if p != "ios" else "iOS") for p in PLATFORMS]
