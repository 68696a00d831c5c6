"""Controlled vocabularies of publiccode.yml (../shared/standards/publiccode, CC0)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from core.i18n import Sentence

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


def contractors_problem(maintenance_type, contractors) -> Sentence | None:
    """What is wrong with `contractors` under `maintenance_type`, or None.

    The standard's rule (maintenance.contractors): contractors are named when
    maintenance is by contract, and only then. The one place this rule lives:
    a file's check (catalog.publiccode), the publishing form and the services
    that save an entry all ask it. `contractors` is the list given, or None
    when none is given at all (a file may write an empty list, which the
    reference validator refuses beside any other type).
    """
    if maintenance_type == "contract":
        if not contractors:
            return Sentence(
                gettext_noop("Name the contractors when maintenance is by contract.")
            )
    elif contractors is not None:
        return Sentence(
            gettext_noop("Contractors are listed only when maintenance is by contract.")
        )
    return None


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


# Country sections the standard defines: a file carrying one is meant for that country.
COUNTRY_SECTIONS = {"it": "it", "IT": "it"}


def publiccode_countries(doc: dict | None) -> list[str]:
    """ISO 3166-1 codes (lower case) of the countries a publiccode.yml document
    is meant for: intendedAudience.countries and its country sections."""
    doc = doc if isinstance(doc, dict) else {}
    audience = doc.get("intendedAudience")
    declared = audience.get("countries") if isinstance(audience, dict) else None
    found: list[str] = []
    for code in declared if isinstance(declared, list) else []:
        if isinstance(code, str) and len(code.strip()) == 2 and code.strip().isalpha():
            found.append(code.strip().lower())
    for key, code in COUNTRY_SECTIONS.items():
        if doc.get(key) is not None:
            found.append(code)
    return list(dict.fromkeys(found))


def label(value: str) -> str:
    """'grant-management' → 'Grant management': the fallback for a value the
    labels below do not know (none of the standard's own)."""
    return value.replace("-", " ").capitalize()


# What visitors read instead of the standard's codes, in their language.
CATEGORY_LABELS = {
    "accounting": _("Accounting"),
    "agile-project-management": _("Agile project management"),
    "applicant-tracking": _("Applicant tracking"),
    "application-development": _("Application development"),
    "appointment-scheduling": _("Appointment scheduling"),
    "backup": _("Backup"),
    "billing-and-invoicing": _("Billing and invoicing"),
    "blog": _("Blog"),
    "budgeting": _("Budgeting"),
    "business-intelligence": _("Business intelligence"),
    "business-process-management": _("Business process management"),
    "cad": _("Computer-aided design (CAD)"),
    "call-center-management": _("Call centre management"),
    "cloud-management": _("Cloud management"),
    "collaboration": _("Collaboration"),
    "communications": _("Communications"),
    "compliance-management": _("Compliance management"),
    "contact-management": _("Contact management"),
    "content-management": _("Content management"),
    "crm": _("Customer relationship management (CRM)"),
    "customer-service-and-support": _("Customer service and support"),
    "data-analytics": _("Data analytics"),
    "data-collection": _("Data collection"),
    "data-visualization": _("Data visualisation"),
    "design": _("Design"),
    "design-system": _("Design system"),
    "digital-asset-management": _("Digital asset management"),
    "digital-citizenship": _("Digital citizenship"),
    "document-management": _("Document management"),
    "donor-management": _("Donor management"),
    "e-commerce": _("E-commerce"),
    "e-signature": _("Electronic signature"),
    "educational-content": _("Educational content"),
    "email-management": _("E-mail management"),
    "email-marketing": _("E-mail marketing"),
    "employee-management": _("Employee management"),
    "enterprise-project-management": _("Enterprise project management"),
    "enterprise-social-networking": _("Enterprise social networking"),
    "erp": _("Enterprise resource planning (ERP)"),
    "event-management": _("Event management"),
    "facility-management": _("Facility management"),
    "feedback-and-reviews-management": _("Feedback and reviews"),
    "financial-reporting": _("Financial reporting"),
    "fleet-management": _("Fleet management"),
    "fundraising": _("Fundraising"),
    "gamification": _("Gamification"),
    "geographic-information-systems": _("Geographic information systems (GIS)"),
    "grant-management": _("Grant management"),
    "graphic-design": _("Graphic design"),
    "help-desk": _("Help desk"),
    "hr": _("Human resources"),
    "ide": _("Integrated development environment (IDE)"),
    "identity-management": _("Identity management"),
    "instant-messaging": _("Instant messaging"),
    "integrated-library-system": _("Library management"),
    "inventory-management": _("Inventory management"),
    "it-asset-management": _("IT asset management"),
    "it-development": _("IT development"),
    "it-management": _("IT management"),
    "it-security": _("IT security"),
    "it-service-management": _("IT service management"),
    "knowledge-management": _("Knowledge management"),
    "learning-management-system": _("Learning management system"),
    "marketing": _("Marketing"),
    "mind-mapping": _("Mind mapping"),
    "mobile-marketing": _("Mobile marketing"),
    "mobile-payment": _("Mobile payment"),
    "network-management": _("Network management"),
    "office": _("Office"),
    "online-booking": _("Online booking"),
    "online-community": _("Online community"),
    "payment-gateway": _("Payment gateway"),
    "payroll": _("Payroll"),
    "predictive-analysis": _("Predictive analysis"),
    "procurement": _("Procurement"),
    "productivity-suite": _("Productivity suite"),
    "project-collaboration": _("Project collaboration"),
    "project-management": _("Project management"),
    "property-management": _("Property management"),
    "real-estate-management": _("Real estate management"),
    "regulations-and-directives": _("Regulations and directives"),
    "remote-support": _("Remote support"),
    "resource-management": _("Resource management"),
    "sales-management": _("Sales management"),
    "seo": _("Search engine optimisation (SEO)"),
    "service-desk": _("Service desk"),
    "social-media-management": _("Social media management"),
    "survey": _("Surveys"),
    "talent-management": _("Talent management"),
    "task-management": _("Task management"),
    "taxes-management": _("Tax management"),
    "test-management": _("Test management"),
    "time-management": _("Time management"),
    "time-tracking": _("Time tracking"),
    "translation": _("Translation"),
    "video-conferencing": _("Video conferencing"),
    "video-editing": _("Video editing"),
    "visitor-management": _("Visitor management"),
    "voip": _("Internet telephony (VoIP)"),
    "warehouse-management": _("Warehouse management"),
    "web-collaboration": _("Web collaboration"),
    "web-conferencing": _("Web conferencing"),
    "website-builder": _("Website builder"),
    "whistleblowing": _("Whistleblowing"),
    "workflow-management": _("Workflow management"),
    "other": _("Other"),
}

SCOPE_LABELS = {
    "agriculture": _("Agriculture"),
    "culture": _("Culture"),
    "defence": _("Defence"),
    "education": _("Education"),
    "emergency-services": _("Emergency services"),
    "employment": _("Employment"),
    "energy": _("Energy"),
    "environment": _("Environment"),
    "finance-and-economic-development": _("Finance and economic development"),
    "foreign-affairs": _("Foreign affairs"),
    "government": _("Government"),
    "healthcare": _("Healthcare"),
    "infrastructures": _("Infrastructure"),
    "justice": _("Justice"),
    "local-authorities": _("Local authorities"),
    "manufacturing": _("Manufacturing"),
    "research": _("Research"),
    "science-and-technology": _("Science and technology"),
    "security": _("Security"),
    "society": _("Society"),
    "sport": _("Sport"),
    "tourism": _("Tourism"),
    "transportation": _("Transport"),
    "welfare": _("Welfare"),
}

PLATFORM_LABELS = {
    "web": _("Web"),
    "windows": "Windows",
    "mac": "macOS",
    "linux": "Linux",
    "ios": "iOS",
    "android": "Android",
}


def category_label(value: str) -> str:
    return str(CATEGORY_LABELS.get(value) or label(value))


def scope_label(value: str) -> str:
    return str(SCOPE_LABELS.get(value) or label(value))


def platform_label(value: str) -> str:
    return str(PLATFORM_LABELS.get(value) or label(value))


CATEGORY_CHOICES = [(c, CATEGORY_LABELS[c]) for c in CATEGORIES]
SCOPE_CHOICES = [(s, SCOPE_LABELS[s]) for s in SCOPES]
PLATFORM_CHOICES = [(p, PLATFORM_LABELS[p]) for p in PLATFORMS]
