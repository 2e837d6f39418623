"""Template pages: everyone reads templates and their history; administrators edit them. Each save
writes a new template version through governance.model_cards.services (audited)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from governance.accounts.roles import Role
from governance.audit.actors import Actor
from governance.model_cards import services
from governance.model_cards.models import DocumentKind, DocumentTemplate, SectionKind
from governance.model_cards.sections import specs_of

EXTRA_SECTIONS = 2


class TemplateForm(forms.Form):
    slug = forms.SlugField(max_length=60, help_text="Stable name, e.g. llm-card. It cannot change later.")
    kind = forms.ChoiceField(choices=DocumentKind.choices)
    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    is_active = forms.BooleanField(required=False, initial=True, label="Active (takes new documents)")


class SectionForm(forms.Form):
    order = forms.IntegerField(min_value=0, required=False, help_text="Sections are shown in this order.")
    key = forms.CharField(max_length=60, required=False, help_text="Lower-case letters, digits, underscores.")
    title = forms.CharField(max_length=200, required=False)
    kind = forms.ChoiceField(choices=SectionKind.choices, initial=SectionKind.MARKDOWN)
    required = forms.BooleanField(required=False)
    guidance = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    columns = forms.CharField(required=False, help_text="Tables: column names, separated by commas.")
    field_list = forms.CharField(
        label="Fields",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Structured fields: one per line as key | Label | required (the last part optional).",
    )
    delete = forms.BooleanField(required=False, label="Remove this section")

    def spec(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if data.get("delete") or not (data.get("key") or data.get("title")):
            return None
        spec: dict[str, Any] = {
            "key": data["key"].strip(),
            "title": data["title"].strip(),
            "kind": data["kind"],
            "required": data["required"],
            "guidance": data["guidance"].strip(),
        }
        if data["kind"] == SectionKind.TABLE:
            spec["columns"] = [c.strip() for c in data["columns"].split(",") if c.strip()]
        if data["kind"] == SectionKind.FIELDS:
            spec["fields"] = []
            for line in data["field_list"].splitlines():
                parts = [p.strip() for p in line.split("|")]
                if parts and parts[0]:
                    spec["fields"].append(
                        {
                            "key": parts[0],
                            "label": parts[1] if len(parts) > 1 else parts[0],
                            "required": len(parts) > 2 and parts[2].lower() in {"required", "yes", "true"},
                        }
                    )
        return spec


SectionFormSet = forms.formset_factory(SectionForm, extra=EXTRA_SECTIONS)


def _initial_sections(template: DocumentTemplate | None) -> list[dict[str, Any]]:
    if template is None or template.current_version is None:
        return [{"order": 1, "kind": SectionKind.MARKDOWN}]
    rows = []
    for i, spec in enumerate(specs_of(template.current_version.sections), start=1):
        rows.append(
            {
                "order": i * 10,
                "key": spec.key,
                "title": spec.title,
                "kind": spec.kind,
                "required": spec.required,
                "guidance": spec.guidance,
                "columns": ", ".join(spec.columns),
                "field_list": "\n".join(
                    f"{f.key} | {f.label}{' | required' if f.required else ''}" for f in spec.fields
                ),
            }
        )
    return rows


@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    templates = DocumentTemplate.objects.select_related("current_version").order_by("kind", "slug")
    return render(
        request,
        "model_cards/templates.html",
        {
            "templates": templates,
            "is_admin": request.user.has_role(Role.ADMIN),  # type: ignore[union-attr]
        },
    )


@login_required
def template_detail(request: HttpRequest, slug: str) -> HttpResponse:
    template = get_object_or_404(DocumentTemplate.objects.select_related("current_version"), slug=slug)
    versions = template.versions.select_related("created_by").order_by("-number")
    return render(
        request,
        "model_cards/template.html",
        {
            "template": template,
            "sections": specs_of(template.current_version.sections) if template.current_version else [],
            "versions": versions,
            "is_admin": request.user.has_role(Role.ADMIN),  # type: ignore[union-attr]
        },
    )


@login_required
def template_edit(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    """Create a template, or edit one (a new version); administrators only."""
    if not request.user.has_role(Role.ADMIN):  # type: ignore[union-attr]
        raise PermissionDenied("Only administrators may edit document templates.")
    template = (
        get_object_or_404(DocumentTemplate.objects.select_related("current_version"), slug=slug)
        if slug
        else None
    )
    initial = (
        {
            "slug": template.slug,
            "kind": template.kind,
            "is_active": template.is_active,
            "name": template.current_version.name if template.current_version else "",
            "description": template.current_version.description if template.current_version else "",
        }
        if template
        else None
    )
    form = TemplateForm(request.POST or None, initial=initial)
    if template is not None:
        form.fields["slug"].disabled = form.fields["kind"].disabled = True
    sections = SectionFormSet(request.POST or None, initial=_initial_sections(template), prefix="sections")
    errors: list[str] = []
    if request.method == "POST" and form.is_valid() and sections.is_valid():
        ordered = sorted(
            (f for f in sections.forms if f.spec() is not None),
            key=lambda f: (f.cleaned_data.get("order") is None, f.cleaned_data.get("order") or 0),
        )
        specs = [spec for f in ordered if (spec := f.spec()) is not None]
        actor = Actor.from_request(request)
        data = form.cleaned_data
        try:
            if template is None:
                template = services.create_template(
                    actor=actor,
                    slug=data["slug"],
                    kind=data["kind"],
                    name=data["name"],
                    description=data["description"],
                    sections=specs,
                )
                if not data["is_active"]:
                    services.update_template(actor=actor, template=template, is_active=False)
            else:
                services.update_template(
                    actor=actor,
                    template=template,
                    name=data["name"],
                    description=data["description"],
                    sections=specs,
                    is_active=data["is_active"],
                )
        except ValidationError as exc:
            errors = [str(m) for m in exc.messages]
        else:
            messages.success(
                request, "Template saved; documents follow the new version from their next revision."
            )
            return redirect(template)
    return render(
        request,
        "model_cards/template_form.html",
        {
            "template": template,
            "form": form,
            "sections": sections,
            "errors": errors,
        },
        status=400 if request.method == "POST" else 200,
    )
