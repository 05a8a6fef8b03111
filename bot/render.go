package bot

import (
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"smarketing/commands"
)

// message is a Slack message as it rides in an ack payload or is posted to a
// response_url.
type message struct {
	ResponseType    string        `json:"response_type,omitempty"`
	Text            string        `json:"text"`
	Blocks          []slack.Block `json:"blocks,omitempty"`
	ReplaceOriginal bool          `json:"replace_original,omitempty"`
	DeleteOriginal  bool          `json:"delete_original,omitempty"`
}

func render(resp commands.Response) message {
	m := message{
		ResponseType:    slack.ResponseTypeEphemeral,
		Text:            commands.Truncate(resp.Text, 3900),
		Blocks:          renderBlocks(resp.Blocks),
		ReplaceOriginal: resp.Replace,
	}
	if resp.InChannel {
		m.ResponseType = slack.ResponseTypeInChannel
	}
	return m
}

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, commands.Truncate(s, 3000), false, true)
}

func plain(s string, limit int) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, commands.Truncate(s, limit), false, false)
}

// actionSep joins a button's action id to its position: Slack requires action
// ids to be unique within a block, and several buttons share one meaning.
const actionSep = "#"

// maxMessageBlocks and maxHomeBlocks are Slack's limits on the blocks of
// a message and of a home view.
const (
	maxMessageBlocks = 50
	maxHomeBlocks    = 100
)

func renderBlocks(bs []commands.Block) []slack.Block { return renderBlocksMax(bs, maxMessageBlocks) }

// renderBlocksMax renders at most limit blocks.
func renderBlocksMax(bs []commands.Block, limit int) []slack.Block {
	var out []slack.Block
	for _, b := range bs {
		if len(out) == limit {
			break
		}
		switch b := b.(type) {
		case commands.Header:
			out = append(out, slack.NewHeaderBlock(plain(b.Text, 150)))
		case commands.Section:
			if strings.TrimSpace(b.Text) == "" && len(b.Fields) == 0 {
				continue
			}
			var fields []*slack.TextBlockObject
			for i, f := range b.Fields {
				if i == 10 {
					break
				}
				fields = append(fields, slack.NewTextBlockObject(slack.MarkdownType, commands.Truncate(f, 2000), false, true))
			}
			var text *slack.TextBlockObject
			if strings.TrimSpace(b.Text) != "" {
				text = mrkdwn(b.Text)
			}
			out = append(out, slack.NewSectionBlock(text, fields, nil))
		case commands.Context:
			var els []slack.MixedElement
			for i, t := range b.Texts {
				if i == 10 {
					break
				}
				els = append(els, mrkdwn(t))
			}
			if len(els) > 0 {
				out = append(out, slack.NewContextBlock("", els...))
			}
		case commands.Divider:
			out = append(out, slack.NewDividerBlock())
		case commands.Actions:
			var els []slack.BlockElement
			for i, btn := range b.Buttons {
				if i == 25 {
					break
				}
				e := slack.NewButtonBlockElement(btn.ActionID+actionSep+strconv.Itoa(i), commands.Truncate(btn.Value, 2000), plain(btn.Text, 75))
				if btn.Primary {
					e = e.WithStyle(slack.StylePrimary)
				}
				els = append(els, e)
			}
			if len(els) > 0 {
				out = append(out, slack.NewActionBlock("", els...))
			}
		}
	}
	return out
}

// actionName strips the position renderBlocks added to an action id.
func actionName(actionID string) string {
	name, _, _ := strings.Cut(actionID, actionSep)
	return name
}

func renderModal(m *commands.Modal, metadata string) slack.ModalViewRequest {
	var blocks []slack.Block
	for _, in := range m.Inputs {
		if in.External || len(in.Options) > 0 {
			blocks = append(blocks, menuInput(in))
			continue
		}
		el := slack.NewPlainTextInputBlockElement(nil, in.ID)
		if in.Placeholder != "" {
			el.Placeholder = plain(in.Placeholder, 150)
		}
		el.InitialValue = in.Value
		el.Multiline = in.Multiline
		if in.MaxLength > 0 {
			el.MaxLength = min(in.MaxLength, 3000)
		}
		var hint *slack.TextBlockObject
		if in.Hint != "" {
			hint = plain(in.Hint, 2000)
		}
		ib := slack.NewInputBlock(in.ID, plain(in.Label, 2000), hint, el)
		ib.Optional = in.Optional
		blocks = append(blocks, ib)
	}
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      m.CallbackID,
		Title:           plain(m.Title, 24),
		Submit:          plain(m.Submit, 24),
		Close:           plain("Cancel", 24),
		PrivateMetadata: metadata,
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

// option is a menu choice: plain text of at most 75 characters, a value
// of at most 150.
func option(o commands.Option) *slack.OptionBlockObject {
	return slack.NewOptionBlockObject(commands.Truncate(o.Value, 150), plain(o.Text, 75), nil)
}

// menuInput is an input that picks one of its options: a static menu (at
// most 100 options), or an external one whose options come in
// block_suggestion requests (any query, the empty one too).
func menuInput(in commands.Input) *slack.InputBlock {
	var placeholder *slack.TextBlockObject
	if in.Placeholder != "" {
		placeholder = plain(in.Placeholder, 150)
	}
	var el *slack.SelectBlockElement
	if in.External {
		el = slack.NewOptionsSelectBlockElement(slack.OptTypeExternal, placeholder, in.ID)
		zero := 0
		el.MinQueryLength = &zero
	} else {
		var opts []*slack.OptionBlockObject
		var initial *slack.OptionBlockObject
		for i, o := range in.Options {
			if i == 100 {
				break
			}
			opts = append(opts, option(o))
			if in.Value != "" && o.Value == in.Value {
				initial = opts[len(opts)-1]
			}
		}
		el = slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, placeholder, in.ID, opts...)
		el.InitialOption = initial
	}
	var hint *slack.TextBlockObject
	if in.Hint != "" {
		hint = plain(in.Hint, 2000)
	}
	ib := slack.NewInputBlock(in.ID, plain(in.Label, 2000), hint, el)
	ib.Optional = in.Optional
	return ib
}
