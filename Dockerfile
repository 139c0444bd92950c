FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings.production \
    STATIC_ROOT=/app/staticfiles PRIVATE_MEDIA_ROOT=/app/private
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
# .dockerignore keeps .venv, .git, databases, uploads (private/) and local build output out of this copy.
COPY . .
# Static files are collected once, at build time, into the image (whitenoise serves them). The key is a build-time
# placeholder: collectstatic reads no secret and opens no database.
RUN SECRET_KEY=collectstatic-at-build-only python manage.py collectstatic --noinput \
    && useradd --create-home --uid 10001 app \
    && mkdir -p /app/private \
    && chown -R app /app/private
USER app
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120"]
