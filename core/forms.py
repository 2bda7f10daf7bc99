"""Form helpers shared by the apps' forms."""

from django import forms


class BootstrapMixin:
    """Bootstrap classes on every widget, so that one template partial renders any of these forms."""

    def _style(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple | forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def mark_invalid(self) -> None:
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()

    def add_service_errors(self, error_dict: dict) -> None:
        for field, messages in (error_dict or {}).items():
            target = field if field in self.fields else None
            for message in messages:
                self.add_error(target, message)
