"""The shell every page shares: sign-in, navigation by role, home page, CSP-clean markup, error pages."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.factories import make_asset, make_version, walk_version_to

pytestmark = pytest.mark.django_db


def test_sign_in_and_out(client, people):
    page = client.get(reverse("login"))
    assert page.status_code == 200 and '<label for="id_username"' in page.text
    wrong = client.post(reverse("login"), {"username": "olivia", "password": "nope"})
    assert wrong.status_code == 200 and 'role="alert"' in wrong.text
    signed_in = client.post(reverse("login"), {"username": "olivia", "password": PASSWORD})
    assert signed_in.status_code == 302 and signed_in.url == reverse("web:home")
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("web:home")).status_code == 302


def test_navigation_follows_roles_and_marks_the_current_page(web_for, people):
    owner_page = web_for(people.owner).get(reverse("inventory:list")).text
    assert "People &amp; teams" not in owner_page
    assert re.search(r'<a href="/inventory/" aria-current="page">\s*Inventory', owner_page)
    admin_page = web_for(people.admin).get(reverse("web:home")).text
    assert "People &amp; teams" in admin_page


def test_the_home_page_shows_roles_work_counts_and_recent_activity(web_for, people):
    asset = make_asset(people.owner, people.retail, name="Credit PD model")
    walk_version_to(make_version(asset, label="1.0"), "submitted", people)
    make_asset(people.outsider, people.marketing, name="Churn propensity")
    owner_home = web_for(people.owner).get(reverse("web:home")).text
    assert "Model owner" in owner_home
    assert "Propose an asset" in owner_home
    assert 'href="/inventory/?stage=proposed"' in owner_home
    assert "Churn propensity" not in owner_home
    validator_home = web_for(people.validator).get(reverse("web:home")).text
    assert "Submitted, waiting for a validator" in validator_home
    assert "Credit PD model 1.0" in validator_home


def test_the_home_page_uses_a_constant_number_of_queries(web_for, people, django_assert_max_num_queries):
    client = web_for(people.approver)
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("web:home"))
    for _ in range(6):
        make_asset(people.owner, people.retail)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("web:home"))


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def test_pages_carry_no_inline_script_style_or_handler_so_the_csp_holds(web_for, people):
    asset = make_asset(people.owner, people.retail, name="Credit PD model")
    version = make_version(asset)
    client = web_for(people.admin)
    urls = [
        reverse("web:home"),
        reverse("inventory:list"),
        asset.get_absolute_url(),
        version.get_absolute_url(),
        reverse("audit:events"),
        reverse("accounts:people"),
        reverse("accounts:tokens"),
        reverse("accounts:person", args=["olivia"]),
        reverse("accounts:team", args=["retail-credit"]),
        reverse("accounts:person_create"),
        reverse("accounts:team_create"),
    ]
    owner_urls = [
        reverse("inventory:asset_create"),
        reverse("inventory:version_create", args=[asset.slug]),
        reverse("inventory:asset_edit", args=[asset.slug]),
    ]
    pages = [(url, client.get(url)) for url in urls]
    owner = web_for(people.owner)
    pages += [(url, owner.get(url)) for url in owner_urls]
    for url, response in pages:
        assert response.status_code == 200, url
        assert "script-src 'self'" in response["Content-Security-Policy"], url
        text = response.text
        assert not INLINE_SCRIPT.search(text), url
        assert "style=" not in text and "<style" not in text, url
        assert not INLINE_HANDLER.search(text), url
        assert '<a class="skip-link" href="#main">' in text and "<title>" in text, url
        assert 'aria-label="Breadcrumb"' in text, url


def test_error_pages_use_the_layout(web_for, people):
    response = web_for(people.owner).get("/inventory/assets/no-such-asset/")
    assert response.status_code == 404
    assert "Page not found" in response.text
    forbidden = web_for(people.owner).get(reverse("accounts:people"))
    assert forbidden.status_code == 403
    assert "Only administrators manage people and teams." in forbidden.text


def test_static_assets_are_local(web_for, people):
    text = web_for(people.owner).get(reverse("web:home")).text
    assert '<script src="/static/vendor/htmx.min.js" defer>' in text
    assert '<link rel="stylesheet" href="/static/css/steward.css">' in text
    assert "https://" not in re.sub(r'href="https://[^"]*"', "", text)  # nothing loaded from elsewhere
