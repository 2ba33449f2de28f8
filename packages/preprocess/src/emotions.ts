/** The seven FER2013 emotions in the one canonical order shared by every fer package (FER2013's label order). */
export const EMOTIONS = ["angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"] as const;

/** One of the seven emotion names. */
export type Emotion = (typeof EMOTIONS)[number];

/** Whether `name` is one of the seven canonical emotion names. */
export function isEmotion(name: string): name is Emotion {
  return (EMOTIONS as readonly string[]).includes(name);
}
