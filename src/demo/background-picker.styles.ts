import { css } from 'lit';

/** The background picker's look: effect buttons, colour swatches, picture and clip thumbnails, the drop target. */
export const backgroundPickerStyles = css`
section + section {
  margin-top: 1rem;
}

.row {
  display: flex;
  flex-wrap: wrap;
  gap: 0.45rem;
}

.effects {
  display: grid;
  grid-template-columns: repeat(4, 1fr);
  gap: 0.45rem;
}

.effects .choice {
  flex-direction: column;
  gap: 0;
  padding: 0.35rem 0.2rem;
  line-height: 1.2;
}

.effects small {
  font-size: 0.7rem;
  color: var(--vb-muted, #8f99a8);
}

.swatch {
  width: 2.1rem;
  height: 2.1rem;
  padding: 0;
  border-radius: 50%;
  border: 2px solid var(--vb-border, #2a313b);
  background: var(--swatch);
  cursor: pointer;
}

.swatch[aria-pressed='true'],
.swatch.active {
  border-color: var(--vb-text, #e6e9ee);
  box-shadow: 0 0 0 2px var(--vb-accent, #4f9dff);
}

.custom {
  position: relative;
  overflow: hidden;
  background: conic-gradient(red, yellow, lime, cyan, blue, magenta, red);
}

.custom input {
  position: absolute;
  inset: 0;
  width: 100%;
  height: 100%;
  opacity: 0;
  cursor: pointer;
  border: 0;
  padding: 0;
}

.thumbs {
  display: grid;
  grid-template-columns: repeat(auto-fill, minmax(6.2rem, 1fr));
  gap: 0.45rem;
}

.thumb {
  position: relative;
  aspect-ratio: 16 / 9;
  padding: 0;
  overflow: hidden;
  border: 2px solid var(--vb-border, #2a313b);
  border-radius: 0.5rem;
  background: #000;
  cursor: pointer;
}

.thumb img,
.thumb video {
  display: block;
  width: 100%;
  height: 100%;
  object-fit: cover;
}

.thumb span {
  position: absolute;
  inset: auto 0 0;
  padding: 0.15rem 0.35rem;
  font-size: 0.7rem;
  text-align: left;
  background: linear-gradient(transparent, rgb(0 0 0 / 0.75));
}

.thumb[aria-pressed='true'],
.thumb.active {
  border-color: var(--vb-accent, #4f9dff);
}

.thumb.upload {
  display: flex;
  align-items: center;
  justify-content: center;
  background: #1f252d;
  border-style: dashed;
  font-size: 0.78rem;
  color: var(--vb-muted, #8f99a8);
}

.thumb.upload input {
  position: absolute;
  inset: 0;
  opacity: 0;
  cursor: pointer;
}

.thumb.upload .name {
  position: static;
  background: none;
  padding: 0 0.4rem;
  overflow: hidden;
  text-overflow: ellipsis;
  white-space: nowrap;
  text-align: center;
}

[data-pending] {
  opacity: 0.6;
}

:host(.dragging) {
  outline: 2px dashed var(--vb-accent, #4f9dff);
  outline-offset: -6px;
}

.drop-hint {
  margin: 0.4rem 0 0;
  font-size: 0.75rem;
  color: var(--vb-muted, #8f99a8);
}

/* The line is always there, empty or not: a message appearing moves nothing below it. */
.upload-error {
  min-height: 1.2em;
  margin: 0.4rem 0 0;
  font-size: 0.8rem;
  color: var(--vb-danger, #ff6b6b);
}
`;
