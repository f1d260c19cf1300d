from django.core.management.base import BaseCommand, CommandError

from accounts.models import ApiToken, User


class Command(BaseCommand):
    help = "Create an API token for a user and print it (it is shown once; only its hash is kept)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", default="command line", help="A label for the token.")

    def handle(self, *args, email, name, **options):
        try:
            user = User.objects.get_by_natural_key(email)
        except User.DoesNotExist as exc:
            raise CommandError(f"No user with e-mail {email}.") from exc
        token, key = ApiToken.generate(user=user, name=name)
        self.stderr.write(f"Token '{token.name}' for {user.email} (shown once, keep it safe):")
        self.stdout.write(key)
