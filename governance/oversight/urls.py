"""UI routes of oversight: findings (findings_urls); monitoring and incidents add theirs beside them."""

from governance.oversight.dashboard_urls import urlpatterns as dashboard_urlpatterns
from governance.oversight.findings_urls import urlpatterns as findings_urlpatterns
from governance.oversight.incidents.urls import urlpatterns as incidents_urlpatterns
from governance.oversight.monitoring.urls import urlpatterns as monitoring_urlpatterns

app_name = "oversight"
urlpatterns = [*findings_urlpatterns, *monitoring_urlpatterns, *incidents_urlpatterns, *dashboard_urlpatterns]
