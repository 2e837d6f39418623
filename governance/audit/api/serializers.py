"""Audit API shapes. Events expose their canonical text and hashes so anyone can re-verify them."""

from __future__ import annotations

import json
from typing import Any

from rest_framework import serializers

from governance.audit.models import AuditEvent, Checkpoint, VerificationRun


class AuditEventSerializer(serializers.ModelSerializer):
    leaf = serializers.CharField(source="leaf_hex", read_only=True)
    link = serializers.CharField(source="link_hex", read_only=True)
    # Derived (generated) columns: empty for events about no object (e.g. the genesis event).
    object_type = serializers.CharField(read_only=True, allow_null=True)
    object_id = serializers.CharField(read_only=True, allow_null=True)
    object_repr = serializers.CharField(read_only=True, allow_null=True)
    request_id = serializers.CharField(read_only=True, allow_null=True)
    payload = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = [
            "seq",
            "time",
            "action",
            "actor_kind",
            "actor_id",
            "actor_name",
            "object_type",
            "object_id",
            "object_repr",
            "request_id",
            "payload",
            "canonical",
            "leaf",
            "link",
            "chain_id",
        ]
        read_only_fields = fields

    def get_payload(self, event: AuditEvent) -> Any:
        return event.payload


class CheckpointSerializer(serializers.ModelSerializer):
    statement = serializers.SerializerMethodField()

    class Meta:
        model = Checkpoint
        fields = ["id", "chain_id", "size", "head", "root", "key_id", "signed_at", "statement", "signature"]
        read_only_fields = fields

    def get_statement(self, checkpoint: Checkpoint) -> dict[str, Any]:
        return json.loads(checkpoint.statement)


class VerificationRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = VerificationRun
        fields = [
            "started_at",
            "finished_at",
            "status",
            "ok",
            "chain_id",
            "size",
            "head",
            "first_bad_seq",
            "problem",
            "checkpoints",
            "triggered_by",
        ]
        read_only_fields = fields


class PublicKeySerializer(serializers.Serializer):
    key_id = serializers.CharField()
    fingerprint = serializers.CharField()
    pem = serializers.CharField()
    algorithm = serializers.CharField()


class EventFilterSerializer(serializers.Serializer):
    object_type = serializers.CharField(required=False, allow_blank=True, max_length=64)
    object_id = serializers.CharField(required=False, allow_blank=True, max_length=64)
    actor = serializers.CharField(required=False, allow_blank=True, max_length=200)
    action = serializers.CharField(required=False, allow_blank=True, max_length=64)
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)
