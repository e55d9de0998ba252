from rest_framework import serializers

from core.fields import StrictCharField


class CandidateEraseInputSerializer(serializers.Serializer):
    reason = StrictCharField(max_length=1000)


class CandidateEraseOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    erased_at = serializers.DateTimeField()
