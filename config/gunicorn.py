"""gunicorn settings for the web service (docker-compose.yml: `gunicorn -c config/gunicorn.py`).

The request limits are gunicorn's own defaults, written out so that they are a decision on record
(docs/SECURITY.md, "Request limits"): gunicorn refuses an over-long request line with 414 and too
many or too large headers with 431, as plain text, before Django sees the request. Bodies are
limited by Django (REQUEST_MAX_BODY_BYTES: 413 in the API's error shape) and JSON nesting by the
parser (core/parsers.py: 400).
"""

bind = "0.0.0.0:8000"
workers = 2
timeout = 60

# Request line (method, path with query string, version): at most 4094 bytes, else 414.
limit_request_line = 4094
# At most 100 header fields, else 431.
limit_request_fields = 100
# One header field (name and value) at most 8190 bytes, else 431.
limit_request_field_size = 8190
