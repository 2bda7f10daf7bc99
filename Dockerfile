# Production image: gunicorn serving Django (static files by WhiteNoise), the same image runs the Celery worker and
# beat (docker-compose.yml). Front-end libraries come from npm in a build stage, never from a CDN.

FROM node:20-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production
WORKDIR /app
RUN useradd --create-home --uid 1000 app
COPY requirements.lock ./
RUN pip install -r requirements.lock
COPY --from=assets /app/node_modules ./node_modules
COPY . .
# Translations compiled without GNU gettext; static files collected (hashed names, compressed) for WhiteNoise.
RUN python scripts/compile_messages.py \
    && SECRET_KEY=collectstatic-only DATABASE_URL=sqlite://:memory: python manage.py collectstatic --noinput \
    && mkdir -p /app/media && chown -R app:app /app/media
USER app
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", \
     "--access-logfile", "-"]
